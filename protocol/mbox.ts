/**
 * mboxrd codec: each article becomes a `From ` envelope line, its RFC 5536 text with body
 * lines matching />*From / quoted by one more `>`, one LF, and a blank separator line. The
 * reader is incremental (feed chunks, take messages) so files of any size stream in flat
 * memory. Pure: no I/O.
 */
import { LineSplitter } from './line-splitter';
import type { Article } from './article';
import { parseArticle, renderHeaderBlock } from './rfc5536';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => n.toString().padStart(2, '0');

/** asctime() form used by the envelope line: `Thu Nov 26 06:04:51 2026`. */
function asctime(iso: string): string {
  const d = new Date(iso);
  const day = d.getUTCDate().toString().padStart(2, ' ');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

const FROM_QUOTED = /^>*From /;

/** mboxrd quoting of a body: every line that is `>*From ` gets one more `>`. */
export function quoteBody(body: string): string {
  if (!body.includes('From ')) return body;
  return body
    .split('\n')
    .map((line) => (FROM_QUOTED.test(line) ? `>${line}` : line))
    .join('\n');
}

export function unquoteBody(body: string): string {
  if (!body.includes('From ')) return body;
  return body
    .split('\n')
    .map((line) => (/^>+From /.test(line) ? line.slice(1) : line))
    .join('\n');
}

/**
 * One article as an mboxrd message. The body always gets one LF after it and then a blank
 * line, so a body with or without a final newline reads back exactly.
 */
export function renderMboxMessage(a: Article): string {
  return `From newsmesh ${asctime(a.date)}\n${renderHeaderBlock(a)}\n${quoteBody(a.body)}\n\n`;
}

/** Turns one message (envelope line excluded) back into an article-shaped object. */
export function parseMboxMessage(text: string): Record<string, unknown> {
  // Our writer ends each message with "\n\n"; foreign writers end with one "\n" before the
  // blank separator, which the reader has already removed.
  const trimmed = text.endsWith('\n\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  const sep = trimmed.indexOf('\n\n');
  if (sep < 0) return parseArticle(trimmed);
  return parseArticle(`${trimmed.slice(0, sep)}\n\n${unquoteBody(trimmed.slice(sep + 2))}`);
}

/**
 * Incremental mbox reader: `push(chunk)` then `take()` the messages completed so far; `end()`
 * returns the last one. A message is complete when the next `From ` line that follows a
 * blank line (or starts the file) is seen. Memory holds at most one message plus one chunk.
 */
export class MboxReader extends LineSplitter<string> {
  private current: string[] | null = null;
  private prevBlank = true;

  protected line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.prevBlank && line.startsWith('From ')) {
      this.finish();
      this.current = [];
      this.prevBlank = false;
      return;
    }
    this.prevBlank = line.length === 0;
    this.current?.push(raw);
  }

  protected override finish(): void {
    if (this.current === null) return;
    // The blank line before the next envelope is a separator, not message content; our
    // parseMboxMessage expects the message to end with "\n\n" (its own LF + separator).
    this.ready.push(`${this.current.join('\n')}\n`);
    this.current = null;
  }
}
