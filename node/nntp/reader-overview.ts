/**
 * Overview and header listings (RFC 3977 sections 7.4, 8.3, 8.5; XOVER and XHDR as INN has
 * them): OVER/XOVER and the overview fields of HDR/XHDR come from the group index alone;
 * HDR of other headers reads the articles. NEWNEWS walks each matching group's index back
 * from its newest article while the arrival time is recent enough.
 */
import { looksLikeMessageId, parseMessageIdArg, parseRange, type Range } from '../../protocol/nntp/commands';
import { parseNntpDateTime } from '../../protocol/nntp/dates';
import { overviewField, overviewLine, OVERVIEW_HEADERS } from '../../protocol/nntp/overview';
import { CODE, statusLine } from '../../protocol/nntp/replies';
import { headerValue, parseWireHeaders } from '../../protocol/nntp/wire-article';
import { parseWildmat } from '../../protocol/wildmat';
import type { OverviewRecord } from '../store/records';
import type { NntpContext } from './context';
import { selectedGroup, streamedLines } from './reply-helpers';
import type { Answer, CommandSpec, Session } from './session';

/** Most ids one NEWNEWS answers (a reader asking for everything gets the newest). */
export const NEWNEWS_MAX = 100_000;

type Target = { group: string; range: Range } | { id: string } | { reply: string };

/** The range or message-id argument of OVER/HDR (none: the current article). */
function target(s: Session, arg: string | undefined, allowId: boolean): Target {
  if (arg !== undefined && looksLikeMessageId(arg)) {
    if (!allowId) return { reply: statusLine(CODE.SYNTAX_ERROR, 'this command takes a range, not a message-id') };
    const m = parseMessageIdArg(arg);
    return 'problem' in m ? { reply: statusLine(CODE.SYNTAX_ERROR, m.problem) } : { id: m.id };
  }
  const group = selectedGroup(s);
  if (typeof group !== 'string') return group;
  if (arg === undefined) {
    if (s.current === null) return { reply: statusLine(CODE.NO_CURRENT_ARTICLE, 'no current article selected') };
    return { group, range: { low: s.current, high: s.current } };
  }
  const range = parseRange(arg);
  return range ? { group, range } : { reply: statusLine(CODE.SYNTAX_ERROR, `"${arg.slice(0, 40)}" is not a range (n, n- or n-m)`) };
}

/** A listing over a range: 423 when the range holds no article (checked on the first page). */
async function rangeListing(ctx: NntpContext, group: string, range: Range, status: string, line: (n: number, rec: OverviewRecord) => string): Promise<Answer> {
  if (range.high < range.low) return statusLine(CODE.NO_ARTICLE_NUMBER, 'no articles in that range');
  const pages = ctx.read.range(group, range.low, range.high);
  const first = await pages.next();
  if (first.done) return statusLine(CODE.NO_ARTICLE_NUMBER, 'no articles in that range');
  const all = async function* () {
    let page: [number, OverviewRecord][] | undefined = first.value;
    try {
      while (page) {
        const out: string[] = [];
        for (const [n, rec] of page) out.push(line(n, rec));
        yield out;
        const r = await pages.next();
        page = r.done ? undefined : r.value;
      }
    } finally {
      await pages.return(undefined);
    }
  };
  return streamedLines(status, all());
}

function over(ctx: NntpContext, allowId: boolean): CommandSpec {
  return {
    run: async ({ session, args }) => {
      if (args.length > 1) return statusLine(CODE.SYNTAX_ERROR, 'one argument at most: a range or a message-id');
      const t = target(session, args[0], allowId);
      if ('reply' in t) return t.reply;
      const status = statusLine(CODE.OVERVIEW_FOLLOWS, 'overview information follows');
      if ('id' in t) {
        const a = ctx.read.article(t.id);
        if (!a) return statusLine(CODE.NO_ARTICLE_ID, 'no such article');
        const [group, n] = Object.entries(a.stored.nums)[0];
        const rec = ctx.read.entry(group, n);
        if (!rec) return statusLine(CODE.NO_ARTICLE_ID, 'no such article');
        return streamedLines(status, [[overviewLine({ ...ctx.read.overview(group, n, rec), n: 0 })]]);
      }
      return rangeListing(ctx, t.group, t.range, status, (n, rec) => overviewLine(ctx.read.overview(t.group, n, rec)));
    },
  };
}

/** A header of a stored article, as its wire form has it. */
function articleHeader(ctx: NntpContext, id: string, lower: string): string {
  const a = ctx.read.article(id);
  if (!a) return '';
  const h = parseWireHeaders(a.wire.subarray(0, a.headerEnd + 2));
  return 'problem' in h ? '' : (headerValue(h, lower) ?? '').replace(/[\t\r\n]/g, ' ');
}

function hdr(ctx: NntpContext, legacy: boolean): CommandSpec {
  return {
    run: async ({ session, args }) => {
      if (args.length < 1 || args.length > 2) return statusLine(CODE.SYNTAX_ERROR, `${legacy ? 'XHDR' : 'HDR'} field [range|message-id]`);
      const lower = args[0].toLowerCase();
      const t = target(session, args[1], true);
      if ('reply' in t) return t.reply;
      const status = legacy ? statusLine(CODE.HEAD_FOLLOWS, `${args[0]} fields follow`) : statusLine(CODE.HEADERS_FOLLOW, 'headers follow');
      const fromIndex = OVERVIEW_HEADERS.has(lower);
      if ('id' in t) {
        const a = ctx.read.article(t.id);
        if (!a) return statusLine(CODE.NO_ARTICLE_ID, 'no such article');
        const [group, n] = Object.entries(a.stored.nums)[0];
        const rec = ctx.read.entry(group, n);
        const value = fromIndex && rec ? (overviewField(ctx.read.overview(group, n, rec), lower) ?? '') : articleHeader(ctx, t.id, lower);
        return streamedLines(status, [[`${legacy ? t.id : '0'} ${value}`]]);
      }
      return rangeListing(ctx, t.group, t.range, status, (n, rec) => `${n} ${fromIndex ? (overviewField(ctx.read.overview(t.group, n, rec), lower) ?? '') : articleHeader(ctx, rec.id, lower)}`);
    },
  };
}

function newnews(ctx: NntpContext): CommandSpec {
  return {
    run: async ({ args }) => {
      if (args.length < 3 || args.length > 4 || (args[3] !== undefined && args[3].toUpperCase() !== 'GMT')) return statusLine(CODE.SYNTAX_ERROR, 'NEWNEWS wildmat yymmdd hhmmss [GMT]');
      let match;
      try {
        match = parseWildmat(args[0]);
      } catch (err) {
        return statusLine(CODE.SYNTAX_ERROR, (err as Error).message);
      }
      const since = parseNntpDateTime(args[1], args[2], ctx.clock.now());
      if (typeof since !== 'number') return statusLine(CODE.SYNTAX_ERROR, since.problem);
      const ids = new Set<string>();
      for (const g of await ctx.store.listGroups()) {
        if (!match.matches(g.name)) continue;
        for (let n = g.high; n >= g.low && ids.size < NEWNEWS_MAX; ) {
          let older = false;
          const low = Math.max(g.low, n - 999);
          const page: string[] = [];
          for await (const recs of ctx.read.range(g.name, low, n)) {
            for (const [, rec] of recs) {
              if ((rec.at ?? 0) >= since) page.push(rec.id);
              else older = true;
            }
          }
          for (const id of page.reverse()) if (ids.size < NEWNEWS_MAX) ids.add(id);
          if (older) break;
          n = low - 1;
        }
      }
      return streamedLines(statusLine(CODE.NEWNEWS_FOLLOWS, 'list of new articles by message-id follows'), [[...ids]]);
    },
  };
}

export function overviewCommands(ctx: NntpContext): [string, CommandSpec][] {
  return [
    ['OVER', over(ctx, true)],
    ['XOVER', over(ctx, false)],
    ['HDR', hdr(ctx, false)],
    ['XHDR', hdr(ctx, true)],
    ['NEWNEWS', newnews(ctx)],
  ];
}
