/**
 * RFC 5536 text codec: renders an article as a netnews message (header lines, blank line,
 * body) and parses one back, keeping every field exactly. Extra headers whose names clash with
 * the core ones are escaped as `X-Newsmesh-Header-NAME`; the exact ISO date rides in
 * `X-Newsmesh-Date` when the RFC 5322 `Date` cannot carry it. Pure: no I/O, LF line ends.
 */
import type { Article } from './article';

/** Header names this codec writes itself (lower case). */
const CORE = new Set(['message-id', 'newsgroups', 'from', 'subject', 'date', 'references', 'path']);
const EXACT_DATE = 'X-Newsmesh-Date';
const ESCAPE = 'X-Newsmesh-Header-';
/** Usenet's conventional tail of `Path`: marks the end, never a node of ours. */
const PATH_TAIL = 'not-for-mail';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => n.toString().padStart(2, '0');

/** RFC 5322 date-time in UTC, e.g. `Thu, 26 Nov 2026 06:04:51 +0000`. */
export function rfc5322Date(iso: string): string {
  return formatRfc5322(new Date(iso));
}

function formatRfc5322(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** ISO 8601 UTC of a RFC 5322 date, or null when it does not parse. */
export function isoFromRfc5322(value: string): string | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function needsEscape(name: string): boolean {
  const lower = name.toLowerCase();
  return CORE.has(lower) || lower === EXACT_DATE.toLowerCase() || lower.startsWith(ESCAPE.toLowerCase());
}

/**
 * The header lines of an article, in a fixed order, each ending in LF. The RFC 5322 `Date`
 * has whole seconds; when that loses anything of the ISO date, `X-Newsmesh-Date` keeps it.
 */
export function renderHeaderBlock(a: Article): string {
  const d = new Date(a.date);
  let out = `Path: ${a.path.length > 0 ? `${a.path.join('!')}!` : ''}${PATH_TAIL}\nFrom: ${a.from}\nNewsgroups: ${a.newsgroups.join(',')}\nSubject: ${a.subject}\nDate: ${formatRfc5322(d)}\nMessage-ID: ${a.id}\n`;
  if (a.references.length > 0) out += `References: ${a.references.join(' ')}\n`;
  if (Number.isNaN(d.getTime()) || d.getUTCMilliseconds() !== 0 || d.toISOString() !== a.date) out += `${EXACT_DATE}: ${a.date}\n`;
  if (a.headers) for (const name in a.headers) out += `${needsEscape(name) ? ESCAPE + name : name}: ${a.headers[name]}\n`;
  return out;
}

/** The whole article as RFC 5536 text: headers, a blank line, the body (LF line ends). */
export function renderArticle(a: Article): string {
  return `${renderHeaderBlock(a)}\n${a.body}`;
}

/** One parsed header: its name as written and its value (unfolded). */
export interface HeaderField {
  name: string;
  value: string;
}

/** Splits a header block into fields, joining folded continuation lines. */
export function parseHeaderBlock(block: string): HeaderField[] {
  const out: HeaderField[] = [];
  for (const raw of block.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) continue;
    if ((line[0] === ' ' || line[0] === '\t') && out.length > 0) {
      out[out.length - 1].value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const value = line.slice(colon + 1);
    out.push({ name: line.slice(0, colon), value: value.startsWith(' ') ? value.slice(1) : value });
  }
  return out;
}

/**
 * Parses RFC 5536 text back into an article-shaped object (not validated: the caller runs
 * validateArticle, so a foreign message that lacks a field is rejected with a reason).
 */
export function parseArticle(text: string): Record<string, unknown> {
  const sep = text.indexOf('\n\n');
  const headerBlock = sep < 0 ? text : text.slice(0, sep);
  const body = sep < 0 ? '' : text.slice(sep + 2);
  const out: Record<string, unknown> = { references: [], path: [] };
  const headers: Record<string, string> = {};
  let exactDate: string | undefined;
  for (const { name, value } of parseHeaderBlock(headerBlock)) {
    const lower = name.toLowerCase();
    if (lower === 'message-id') out.id = value.trim();
    else if (lower === 'newsgroups') out.newsgroups = value.split(',').map((g) => g.trim()).filter(Boolean);
    else if (lower === 'from') out.from = value;
    else if (lower === 'subject') out.subject = value;
    else if (lower === 'date') out.date = isoFromRfc5322(value) ?? value;
    else if (lower === 'references') out.references = value.split(/\s+/).filter(Boolean);
    else if (lower === 'path') {
      const parts = value.trim().split('!').filter(Boolean);
      if (parts[parts.length - 1] === PATH_TAIL) parts.pop();
      out.path = parts;
    } else if (lower === EXACT_DATE.toLowerCase()) exactDate = value;
    else if (lower.startsWith(ESCAPE.toLowerCase())) headers[name.slice(ESCAPE.length)] = value;
    else headers[name] = value;
  }
  if (exactDate !== undefined) out.date = exactDate;
  if (Object.keys(headers).length > 0) out.headers = headers;
  out.body = body;
  return out;
}
