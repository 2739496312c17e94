/**
 * LIST and its RFC 3977 / RFC 6048 variants (ACTIVE, NEWSGROUPS, OVERVIEW.FMT, COUNTS,
 * ACTIVE.TIMES, HEADERS) and NEWGROUPS. Groups come from their metadata records (one per
 * group); a group's creation time is the arrival of its first article here.
 */
import { parseNntpDateTime } from '../../protocol/nntp/dates';
import { OVERVIEW_FMT } from '../../protocol/nntp/overview';
import { CODE, statusLine } from '../../protocol/nntp/replies';
import { MATCH_ALL, parseWildmat, type Wildmat } from '../../protocol/wildmat';
import type { GroupEntry } from '../store/store';
import type { NntpContext } from './context';
import { streamedLines } from './reply-helpers';
import type { Answer, CommandSpec } from './session';

const active = (g: GroupEntry) => `${g.name} ${g.high} ${g.count > 0 ? g.low : g.high + 1} y`;

/** When the group's first article still here arrived (ms), 0 when unknown. */
async function createdAt(ctx: NntpContext, g: GroupEntry): Promise<number> {
  return (await ctx.read.first(g.name))?.at ?? 0;
}

type Lister = (ctx: NntpContext, groups: GroupEntry[]) => Promise<string[]> | string[];

const LISTS: Record<string, { text: string; lines: Lister }> = {
  ACTIVE: { text: 'list of newsgroups follows', lines: (_, gs) => gs.map(active) },
  // Groups here have no descriptions; "?" is the usual word for an unknown one (readers skip an empty one).
  NEWSGROUPS: { text: 'list of newsgroup descriptions follows', lines: (_, gs) => gs.map((g) => `${g.name}\t?`) },
  COUNTS: { text: 'list of newsgroups with counts follows', lines: (_, gs) => gs.map((g) => `${g.name} ${g.high} ${g.count > 0 ? g.low : g.high + 1} ${g.count} y`) },
  'ACTIVE.TIMES': {
    text: 'list of newsgroup creation times follows',
    lines: async (ctx, gs) => Promise.all(gs.map(async (g) => `${g.name} ${Math.floor((await createdAt(ctx, g)) / 1000)} ${ctx.name}`)),
  },
};

async function groups(ctx: NntpContext, match: Wildmat): Promise<GroupEntry[]> {
  return (await ctx.store.listGroups()).filter((g) => match.matches(g.name));
}

function wildmatArg(arg: string | undefined): Wildmat | { reply: string } {
  if (arg === undefined) return MATCH_ALL;
  try {
    return parseWildmat(arg);
  } catch (err) {
    return { reply: statusLine(CODE.SYNTAX_ERROR, (err as Error).message) };
  }
}

async function list(ctx: NntpContext, args: string[]): Promise<Answer> {
  const keyword = (args[0] ?? 'ACTIVE').toUpperCase();
  if (keyword === 'OVERVIEW.FMT') return streamedLines(statusLine(CODE.LIST_FOLLOWS, 'order of fields in overview database'), [OVERVIEW_FMT]);
  if (keyword === 'HEADERS') return streamedLines(statusLine(CODE.LIST_FOLLOWS, 'headers and metadata items supported'), [[':', ':bytes', ':lines']]);
  const spec = LISTS[keyword];
  if (!spec) {
    const known = ['DISTRIB.PATS', 'DISTRIBUTIONS', 'MODERATORS', 'MOTD', 'SUBSCRIPTIONS'].includes(keyword);
    return known ? statusLine(CODE.NOT_SUPPORTED, `LIST ${keyword} is not kept on this server`) : statusLine(CODE.SYNTAX_ERROR, `unknown LIST keyword ${keyword.slice(0, 30)}`);
  }
  if (args.length > 2) return statusLine(CODE.SYNTAX_ERROR, `LIST ${keyword} [wildmat]`);
  const match = wildmatArg(args[1]);
  if ('reply' in match) return match.reply;
  return streamedLines(statusLine(CODE.LIST_FOLLOWS, spec.text), [await spec.lines(ctx, await groups(ctx, match))]);
}

export function listCommands(ctx: NntpContext): [string, CommandSpec][] {
  return [
    ['LIST', { run: ({ args }) => list(ctx, args) }],
    [
      'NEWGROUPS',
      {
        run: async ({ args }) => {
          if (args.length < 2 || args.length > 3 || (args[2] !== undefined && args[2].toUpperCase() !== 'GMT')) return statusLine(CODE.SYNTAX_ERROR, 'NEWGROUPS yymmdd hhmmss [GMT]');
          const since = parseNntpDateTime(args[0], args[1], ctx.clock.now());
          if (typeof since !== 'number') return statusLine(CODE.SYNTAX_ERROR, since.problem);
          const out: string[] = [];
          for (const g of await ctx.store.listGroups()) if ((await createdAt(ctx, g)) >= since) out.push(active(g));
          return streamedLines(statusLine(CODE.NEWGROUPS_FOLLOW, 'list of new newsgroups follows'), [out]);
        },
      },
    ],
  ];
}
