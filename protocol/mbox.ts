/**
 * mboxrd files of MIME messages: each article becomes a `From ` envelope line, its MIME
 * message (mime.ts) with body lines matching />*From / quoted by one more `>`, and a blank
 * separator line. The reader works on bytes (as latin1 strings, one char per byte, so any
 * charset survives until the MIME layer decodes it), is incremental (feed chunks, take
 * messages) and bounded: a message over LIMITS.fileMessageMaxBytes is skipped with a reason.
 * Pure: no I/O.
 */
import { LineSplitter } from './line-splitter';
import type { Article } from './article';
import { LIMITS } from './limits';
import { encodeBody, readMimeMessage, renderMimeHeaders, type MimeRead, type MimeReadOptions } from './mime';

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
 * One article as an mboxrd message. The encoded body always ends with a newline (mime.ts
 * keeps a body without one exact by a quoted-printable soft break), then the blank separator.
 */
export function renderMboxMessage(a: Article): string {
  const { cte, text } = encodeBody(a.body);
  return `From newsmesh ${asctime(a.date)}\n${renderMimeHeaders(a, cte)}\n${quoteBody(text)}\n`;
}

const HEADER_END = /\r?\n\r?\n/;

/**
 * Turns one message (envelope line excluded, bytes as a latin1 string, as MboxReader yields
 * it) into an article-shaped object, or the reason it cannot be one.
 */
export function parseMboxMessage(raw: string, opts: MimeReadOptions = {}): Promise<MimeRead> {
  const m = HEADER_END.exec(raw);
  const headEnd = m ? m.index : raw.length;
  const headerBlock = Buffer.from(raw.slice(0, headEnd), 'latin1').toString('utf8');
  const body = m ? unquoteBody(raw.slice(headEnd + m[0].length)) : '';
  return readMimeMessage(headerBlock, body, opts);
}

/** A message of the file (bytes as a latin1 string), or one that was skipped and why. */
export type MboxItem = { ok: true; raw: string; index: number } | { ok: false; index: number; reason: string };

/**
 * Incremental mbox reader: `pushBytes(chunk)` then `take()` the messages completed so far;
 * `end()` returns the last one. A message is complete when the next `From ` line that follows
 * a blank line (or starts the file) is seen. Memory holds at most one message plus one chunk.
 */
export class MboxReader extends LineSplitter<MboxItem> {
  private current: string[] | null = null;
  private chars = 0;
  private oversized = false;
  private index = 0;
  private prevBlank = true;
  protected override readonly maxLineChars = LIMITS.fileMessageMaxBytes;

  /** Feeds raw file bytes. */
  pushBytes(chunk: Uint8Array): void {
    this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1'));
  }

  protected line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.prevBlank && line.startsWith('From ')) {
      this.finish();
      this.current = [];
      this.chars = 0;
      this.oversized = false;
      this.index++;
      this.prevBlank = false;
      return;
    }
    this.prevBlank = line.length === 0;
    if (this.current === null || this.oversized) return;
    this.chars += raw.length + 1;
    if (this.chars > LIMITS.fileMessageMaxBytes) this.oversized = true;
    else this.current.push(raw);
  }

  protected override overlong(): void {
    if (this.current !== null) this.oversized = true;
    this.prevBlank = false;
  }

  protected override finish(): void {
    if (this.current === null) return;
    const lines = this.current;
    this.current = null;
    if (this.oversized) {
      this.ready.push({ ok: false, index: this.index, reason: `message ${this.index} is larger than ${LIMITS.fileMessageMaxBytes} bytes; skipped` });
      return;
    }
    // The blank line before the next envelope separates messages; it is not content.
    const last = lines[lines.length - 1];
    if (last === '' || last === '\r') lines.pop();
    this.ready.push({ ok: true, raw: lines.length > 0 ? `${lines.join('\n')}\n` : '', index: this.index });
  }
}
