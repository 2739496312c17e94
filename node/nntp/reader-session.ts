/**
 * Session-level reader commands: CAPABILITIES, MODE READER, DATE, HELP, QUIT, AUTHINFO
 * USER/PASS (RFC 4643; the password is the owner's --web-password) and POST. Posting on a
 * listener that is not on loopback needs AUTHINFO; on loopback anyone who can connect is
 * the owner, as on the web listener.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { nntpTimestamp } from '../../protocol/nntp/dates';
import { undotStuff } from '../../protocol/nntp/dot-stuffing';
import { CODE, multiLine, statusLine } from '../../protocol/nntp/replies';
import type { NntpContext } from './context';
import type { CommandSpec, Session } from './session';
import { ingestWire } from './wire-ingest';

/** The session may POST now. */
export function mayPost(ctx: NntpContext, s: Session): boolean {
  return !ctx.postNeedsAuth || s.authenticated;
}

/** Posting is possible on this session at all (now, or after AUTHINFO). */
export function postingPossible(ctx: NntpContext, s: Session): boolean {
  return mayPost(ctx, s) || ctx.password !== undefined;
}

/** The greeting / MODE READER line. */
export function readyLine(ctx: NntpContext, s: Session): string {
  return postingPossible(ctx, s)
    ? statusLine(CODE.READY_POSTING, `${ctx.name} newsmesh NNTP service ready, posting allowed`)
    : statusLine(CODE.READY_NO_POSTING, `${ctx.name} newsmesh NNTP service ready, posting prohibited`);
}

function capabilities(ctx: NntpContext, s: Session): string[] {
  const caps = ['VERSION 2', 'IMPLEMENTATION newsmesh', 'READER', 'NEWNEWS', 'LIST ACTIVE NEWSGROUPS OVERVIEW.FMT COUNTS ACTIVE.TIMES HEADERS', 'OVER MSGID', 'HDR'];
  if (postingPossible(ctx, s)) caps.push('POST');
  if (ctx.password !== undefined && !s.authenticated) caps.push('AUTHINFO USER');
  if (s.peers.length > 0) caps.push('IHAVE', 'STREAMING');
  return caps;
}

const HELP = [
  'ARTICLE [message-id|number]',
  'AUTHINFO USER name|PASS password',
  'BODY [message-id|number]',
  'CAPABILITIES',
  'DATE',
  'GROUP newsgroup',
  'HDR header [message-id|range]',
  'HEAD [message-id|number]',
  'HELP',
  'LAST',
  'LIST [ACTIVE|ACTIVE.TIMES|COUNTS|HEADERS|NEWSGROUPS|OVERVIEW.FMT] [wildmat]',
  'LISTGROUP [newsgroup [range]]',
  'MODE READER',
  'NEWGROUPS [yy]yymmdd hhmmss [GMT]',
  'NEWNEWS wildmat [yy]yymmdd hhmmss [GMT]',
  'NEXT',
  'OVER [range|message-id]',
  'POST',
  'QUIT',
  'STAT [message-id|number]',
  'XHDR header [range|message-id]',
  'XOVER [range]',
];

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

function authinfo(ctx: NntpContext): CommandSpec {
  return {
    access: 'any',
    run: ({ session, args }) => {
      const sub = (args[0] ?? '').toUpperCase();
      if (sub !== 'USER' && sub !== 'PASS') return sub === 'SASL' ? statusLine(CODE.NOT_SUPPORTED, 'AUTHINFO SASL is not offered') : statusLine(CODE.SYNTAX_ERROR, 'AUTHINFO USER name | AUTHINFO PASS password');
      if (ctx.password === undefined) return statusLine(CODE.NOT_PERMITTED, 'authentication is not available here (no password is set)');
      if (session.authenticated) return statusLine(CODE.NOT_PERMITTED, 'already authenticated');
      if (args.length < 2) return statusLine(CODE.SYNTAX_ERROR, `AUTHINFO ${sub} needs an argument`);
      if (sub === 'USER') {
        session.user = args[1];
        return statusLine(CODE.PASSWORD_NEEDED, 'password required');
      }
      if (session.user === null) return statusLine(CODE.AUTH_OUT_OF_SEQUENCE, 'AUTHINFO USER first');
      // The line reader decodes bytes as latin1: compare the password's bytes, not its text.
      const given = Buffer.from(args.slice(1).join(' '), 'latin1').toString('utf8');
      if (timingSafeEqual(digest(given), digest(ctx.password))) {
        session.authenticated = true;
        return statusLine(CODE.AUTH_OK, 'authentication accepted');
      }
      session.user = null;
      return statusLine(CODE.AUTH_REJECTED, 'authentication failed');
    },
  };
}

function post(ctx: NntpContext): CommandSpec {
  return {
    // Posting has its own rule (mayPost), whether or not reading is open.
    access: 'any',
    run: ({ session, args }) => {
      if (args.length > 0) return statusLine(CODE.SYNTAX_ERROR, 'POST takes no argument');
      if (!mayPost(ctx, session)) {
        return ctx.password !== undefined
          ? statusLine(CODE.AUTH_REQUIRED, 'authentication required for posting (AUTHINFO USER/PASS)')
          : statusLine(CODE.POST_NOT_PERMITTED, 'posting not allowed on this port (it is not on loopback and no password is set)');
      }
      return {
        first: statusLine(CODE.POST_SEND, 'send article to be posted; end with <CR-LF>.<CR-LF>'),
        onBlock: async (r) => {
          if ('tooLarge' in r) return statusLine(CODE.POST_FAILED, `article is ${r.tooLarge} bytes, more than the limit of ${ctx.maxWireBytes}`);
          const o = await ingestWire(ctx, undotStuff(r.block), { postFrom: session.remoteAddress });
          if (o.status === 'accepted') return statusLine(CODE.POST_OK, `article received ${o.id}`);
          if (o.status === 'duplicate') return statusLine(CODE.POST_FAILED, `duplicate: ${o.id} is here already`);
          return statusLine(CODE.POST_FAILED, `posting failed: ${o.reason ?? 'rejected'}`);
        },
      };
    },
  };
}

export function sessionCommands(ctx: NntpContext): [string, CommandSpec][] {
  return [
    ['CAPABILITIES', { access: 'any', run: ({ session }) => multiLine(CODE.CAPABILITIES, 'capability list follows', capabilities(ctx, session)) }],
    [
      'MODE',
      {
        access: 'any',
        run: ({ session, args }) => {
          const mode = (args[0] ?? '').toUpperCase();
          if (mode === 'READER') {
            session.readerMode = true;
            return readyLine(ctx, session);
          }
          if (mode === 'STREAM') return session.peers.length > 0 ? statusLine(CODE.STREAMING_OK, 'streaming permitted') : statusLine(CODE.NOT_PERMITTED, 'streaming is for configured NNTP peers');
          return statusLine(CODE.SYNTAX_ERROR, 'MODE READER | MODE STREAM');
        },
      },
    ],
    ['DATE', { access: 'any', run: () => statusLine(CODE.DATE, nntpTimestamp(ctx.clock.now())) }],
    ['HELP', { access: 'any', run: () => multiLine(CODE.HELP, 'legal commands', HELP) }],
    ['QUIT', { access: 'any', run: () => ({ close: statusLine(CODE.BYE, 'closing connection') }) }],
    ['AUTHINFO', authinfo(ctx)],
    ['POST', post(ctx)],
  ];
}
