/**
 * Building blocks of the command handlers: replies streamed a page of lines at a time (each
 * piece about 64 KiB, so a short answer is still one write), and the group and article
 * selection rules of RFC 3977 (current group, current article, number or message-id).
 */
import { looksLikeMessageId, parseArticleNumber, parseMessageIdArg } from '../../protocol/nntp/commands';
import { dotStuffLine } from '../../protocol/nntp/dot-stuffing';
import { CODE, statusLine } from '../../protocol/nntp/replies';
import type { NntpContext } from './context';
import type { ServedArticle } from './read-model';
import type { Answer, Session } from './session';

const PIECE = 64 * 1024;

/** A multi-line reply whose lines come in pages (from the store). */
export function streamedLines(status: string, pages: AsyncIterable<string[]> | Iterable<string[]>): Answer {
  return {
    stream: async (emit) => {
      let buf = status;
      for await (const lines of pages) {
        for (const l of lines) buf += `${dotStuffLine(l)}\r\n`;
        if (buf.length >= PIECE) {
          await emit(buf);
          buf = '';
        }
      }
      await emit(`${buf}.\r\n`);
    },
  };
}

/** The selected group, or the 412 reply. */
export function selectedGroup(s: Session): string | { reply: string } {
  return s.group ?? { reply: statusLine(CODE.NO_GROUP_SELECTED, 'no newsgroup selected') };
}

export interface Selected {
  /** 0 when chosen by message-id. */
  n: number;
  article: ServedArticle;
}

/**
 * The article an ARTICLE/HEAD/BODY/STAT argument names: none (the current article), a number
 * in the current group, or a message-id. A number becomes the current article.
 */
export function selectArticle(ctx: NntpContext, s: Session, arg: string | undefined): Selected | { reply: string } {
  if (arg !== undefined && looksLikeMessageId(arg)) {
    const m = parseMessageIdArg(arg);
    if ('problem' in m) return { reply: statusLine(CODE.SYNTAX_ERROR, m.problem) };
    const article = ctx.read.article(m.id);
    return article ? { n: 0, article } : { reply: statusLine(CODE.NO_ARTICLE_ID, 'no such article') };
  }
  const group = selectedGroup(s);
  if (typeof group !== 'string') return group;
  let n: number;
  if (arg === undefined) {
    if (s.current === null) return { reply: statusLine(CODE.NO_CURRENT_ARTICLE, 'no current article selected') };
    n = s.current;
  } else {
    const parsed = parseArticleNumber(arg);
    if (parsed === null) return { reply: statusLine(CODE.SYNTAX_ERROR, `"${arg.slice(0, 40)}" is neither an article number nor a message-id`) };
    n = parsed;
  }
  const entry = ctx.read.entry(group, n);
  const article = entry && ctx.read.article(entry.id);
  if (!article) return { reply: statusLine(arg === undefined ? CODE.NO_CURRENT_ARTICLE : CODE.NO_ARTICLE_NUMBER, 'no article with that number') };
  if (arg !== undefined) s.current = n;
  return { n, article };
}

/** `211 count low high group` of a group (an empty group reports low = high + 1). */
export function groupStatus(name: string, meta: { count: number; low: number; high: number }, suffix = ''): string {
  const low = meta.count > 0 ? meta.low : meta.high + 1;
  return statusLine(CODE.GROUP_SELECTED, `${meta.count} ${low} ${meta.high} ${name}${suffix}`);
}
