/**
 * Reader commands that select groups and articles (RFC 3977 sections 6.1 and 6.2): GROUP,
 * LISTGROUP, NEXT, LAST, ARTICLE, HEAD, BODY, STAT. Numbers are this node's per-group
 * numbers; an article is served as it is stored (the exact bytes of one that came by NNTP).
 */
import { parseRange } from '../../protocol/nntp/commands';
import { dotStuff } from '../../protocol/nntp/dot-stuffing';
import { CODE, statusLine } from '../../protocol/nntp/replies';
import { groupNameProblem } from '../../protocol/group-name';
import type { NntpContext } from './context';
import { groupStatus, selectArticle, selectedGroup, streamedLines } from './reply-helpers';
import type { CommandSpec, Session } from './session';

type Part = 'article' | 'head' | 'body' | 'stat';

const PART_CODE: Record<Part, number> = { article: CODE.ARTICLE_FOLLOWS, head: CODE.HEAD_FOLLOWS, body: CODE.BODY_FOLLOWS, stat: CODE.ARTICLE_EXISTS };

function articleCommand(ctx: NntpContext, part: Part): CommandSpec {
  return {
    run: ({ session, args }) => {
      if (args.length > 1) return statusLine(CODE.SYNTAX_ERROR, 'one argument at most: a number or a message-id');
      const sel = selectArticle(ctx, session, args[0]);
      if ('reply' in sel) return sel.reply;
      const { wire, headerEnd, stored } = sel.article;
      const status = statusLine(PART_CODE[part], `${sel.n} ${stored.article.id}`);
      if (part === 'stat') return status;
      const block = part === 'article' ? wire : part === 'head' ? wire.subarray(0, headerEnd) : wire.subarray(headerEnd + 2);
      return Buffer.concat([Buffer.from(status), dotStuff(block)]);
    },
  };
}

function groupArg(ctx: NntpContext, s: Session, name: string | undefined): { name: string; meta: { count: number; low: number; high: number } } | { reply: string } {
  const g = name ?? selectedGroup(s);
  if (typeof g !== 'string') return g;
  const meta = groupNameProblem(g) === null ? ctx.read.group(g) : undefined;
  return meta ? { name: g, meta } : { reply: statusLine(CODE.NO_SUCH_GROUP, `no such newsgroup ${g.slice(0, 120)}`) };
}

/** Makes `name` the current group, its first article the current one. */
function select(s: Session, name: string, meta: { count: number; low: number }): void {
  s.group = name;
  s.current = meta.count > 0 ? meta.low : null;
}

function step(ctx: NntpContext, dir: 'next' | 'last'): CommandSpec {
  return {
    run: async ({ session }) => {
      const group = selectedGroup(session);
      if (typeof group !== 'string') return group.reply;
      if (session.current === null) return statusLine(CODE.NO_CURRENT_ARTICLE, 'no current article selected');
      const n = dir === 'next' ? await ctx.read.next(group, session.current) : await ctx.read.previous(group, session.current);
      const entry = n === undefined ? undefined : ctx.read.entry(group, n);
      if (n === undefined || !entry) return dir === 'next' ? statusLine(CODE.NO_NEXT_ARTICLE, 'no next article in this group') : statusLine(CODE.NO_PREVIOUS_ARTICLE, 'no previous article in this group');
      session.current = n;
      return statusLine(CODE.ARTICLE_EXISTS, `${n} ${entry.id}`);
    },
  };
}

export function articleCommands(ctx: NntpContext): [string, CommandSpec][] {
  return [
    [
      'GROUP',
      {
        run: ({ session, args }) => {
          if (args.length !== 1) return statusLine(CODE.SYNTAX_ERROR, 'GROUP takes one newsgroup name');
          const g = groupArg(ctx, session, args[0]);
          if ('reply' in g) return g.reply;
          select(session, g.name, g.meta);
          return groupStatus(g.name, g.meta);
        },
      },
    ],
    [
      'LISTGROUP',
      {
        run: ({ session, args }) => {
          if (args.length > 2) return statusLine(CODE.SYNTAX_ERROR, 'LISTGROUP [group [range]]');
          const g = groupArg(ctx, session, args[0]);
          if ('reply' in g) return g.reply;
          const range = args[1] === undefined ? { low: g.meta.low, high: g.meta.high } : parseRange(args[1]);
          if (!range) return statusLine(CODE.SYNTAX_ERROR, `"${args[1].slice(0, 40)}" is not a range (n, n- or n-m)`);
          select(session, g.name, g.meta);
          const pages = async function* () {
            if (g.meta.count === 0 || range.high < range.low) return;
            for await (const ns of ctx.read.numbers(g.name, range.low, range.high)) yield ns.map(String);
          };
          return streamedLines(groupStatus(g.name, g.meta, ' list follows'), pages());
        },
      },
    ],
    ['NEXT', step(ctx, 'next')],
    ['LAST', step(ctx, 'last')],
    ['ARTICLE', articleCommand(ctx, 'article')],
    ['HEAD', articleCommand(ctx, 'head')],
    ['BODY', articleCommand(ctx, 'body')],
    ['STAT', articleCommand(ctx, 'stat')],
  ];
}
