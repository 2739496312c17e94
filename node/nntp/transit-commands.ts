/**
 * Transit commands (RFC 3977 IHAVE, RFC 4644 MODE STREAM with CHECK/TAKETHIS), for sessions
 * from the address of a configured NNTP peer. Offers are decided like gossip's IHAVE (the
 * receiver: history, and ids another peer is sending now, which answer "later": 431 for
 * CHECK, 436 for IHAVE); bodies go through the normal ingest with their exact bytes. CHECK
 * and TAKETHIS run concurrently, so a streaming feed keeps the ingest's group commit full.
 * Other sessions get the table of refusals (TAKETHIS still reads its article, to stay in step).
 */
import { parseMessageIdArg } from '../../protocol/nntp/commands';
import { undotStuff } from '../../protocol/nntp/dot-stuffing';
import { CODE, statusLine } from '../../protocol/nntp/replies';
import { isNmError } from '../errors';
import type { NntpContext } from './context';
import type { CommandSpec, Session } from './session';
import { ingestWire } from './wire-ingest';
import type { BlockRead } from './wire-reader';

type Offer = 'send' | 'later' | 'no';

/** Whether to take an offered id from this session's peer. */
async function decide(ctx: NntpContext, s: Session, id: string): Promise<Offer> {
  if (ctx.receiving.has(id)) return 'later';
  const r = await ctx.engine.receiver.ihave(s.peers[0], [id]);
  return r.sendme.length > 0 ? 'send' : r.later.length > 0 ? 'later' : 'no';
}

/**
 * Stores a transferred body; resolves with whether it was accepted and why not. `later`: the
 * store cannot write now (nothing was stored): the sender keeps the article and offers it again.
 */
async function take(ctx: NntpContext, s: Session, id: string, r: BlockRead): Promise<{ ok: boolean; reason: string; later?: boolean }> {
  ctx.metrics.articlesReceived++;
  ctx.engine.statsOf(s.peers[0]).bodiesReceived++;
  if ('tooLarge' in r) {
    ctx.metrics.articlesRejected++;
    return { ok: false, reason: `article is ${r.tooLarge} bytes, more than the limit of ${ctx.maxWireBytes}` };
  }
  let o;
  try {
    o = await ingestWire(ctx, undotStuff(r.block), { expectId: id, peers: s.peers });
  } catch (err) {
    if (isNmError(err) && err.code === 'NM_ERR_UNAVAILABLE') return { ok: false, reason: err.message, later: true };
    throw err;
  }
  if (o.status === 'accepted') return { ok: true, reason: '' };
  return { ok: false, reason: o.status === 'duplicate' ? 'duplicate' : (o.reason ?? 'rejected') };
}

function idArg(args: string[], verb: string): { id: string } | { reply: string } {
  if (args.length !== 1) return { reply: statusLine(CODE.SYNTAX_ERROR, `${verb} takes one message-id`) };
  const m = parseMessageIdArg(args[0]);
  return 'problem' in m ? { reply: statusLine(CODE.SYNTAX_ERROR, m.problem) } : m;
}

export function transitCommands(ctx: NntpContext): [string, CommandSpec][] {
  return [
    [
      'CHECK',
      {
        access: 'any',
        concurrent: true,
        run: async ({ session, args }) => {
          const a = idArg(args, 'CHECK');
          if ('reply' in a) return a.reply;
          const d = await decide(ctx, session, a.id);
          if (d === 'send') return statusLine(CODE.CHECK_SEND, a.id);
          if (d === 'later') return statusLine(CODE.CHECK_LATER, a.id);
          return statusLine(CODE.CHECK_NOT_WANTED, a.id);
        },
      },
    ],
    [
      'TAKETHIS',
      {
        access: 'any',
        concurrent: true,
        withBlock: async ({ session, args }, block) => {
          const a = idArg(args, 'TAKETHIS');
          if ('reply' in a) return statusLine(CODE.TAKETHIS_REJECTED, `${args[0] ?? ''} bad message-id`);
          const r = await take(ctx, session, a.id, block);
          // TAKETHIS has no "later" (RFC 4644): 403 makes a sender keep the article and back off.
          if (r.later) return statusLine(403, `internal fault: ${r.reason}`);
          return r.ok ? statusLine(CODE.TAKETHIS_OK, a.id) : statusLine(CODE.TAKETHIS_REJECTED, `${a.id} ${r.reason}`);
        },
      },
    ],
    [
      'IHAVE',
      {
        access: 'any',
        run: async ({ session, args }) => {
          const a = idArg(args, 'IHAVE');
          if ('reply' in a) return a.reply;
          const d = await decide(ctx, session, a.id);
          if (d === 'later') return statusLine(CODE.IHAVE_LATER, 'transfer not possible; try again later');
          if (d === 'no') return statusLine(CODE.IHAVE_NOT_WANTED, 'article not wanted');
          return {
            first: statusLine(CODE.IHAVE_SEND, 'send article; end with <CR-LF>.<CR-LF>'),
            onBlock: async (block) => {
              const r = await take(ctx, session, a.id, block);
              if (r.later) return statusLine(CODE.IHAVE_LATER, `transfer failed, try again later: ${r.reason}`);
              return r.ok ? statusLine(CODE.IHAVE_OK, 'article transferred OK') : statusLine(CODE.IHAVE_REJECTED, `transfer rejected: ${r.reason}`);
            },
          };
        },
      },
    ],
  ];
}

/** What sessions that are not NNTP peers get for the transit commands. */
export function transitRefusals(): [string, CommandSpec][] {
  const no = statusLine(CODE.NOT_PERMITTED, 'transit is for configured NNTP peers (newsmesh peers add nntp://...)');
  return [
    ['CHECK', { access: 'any', run: () => no }],
    ['IHAVE', { access: 'any', run: () => no }],
    ['TAKETHIS', { access: 'any', withBlock: () => no }],
  ];
}
