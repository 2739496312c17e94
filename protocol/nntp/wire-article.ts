/**
 * The NNTP wire form of an article (RFC 5536/5537: CRLF lines, headers, blank line, body) and
 * its mapping to newsmesh's Article. Reading accepts what real servers send: folded and
 * repeated headers, names with `-`, `_` or `.`, 8-bit values, Path entries such as
 * `.POSTED.host` and `not-for-mail` (not node names: left out of `path`), dates with comments.
 * The wire bytes themselves are kept by the caller and served unchanged; only Path (this node
 * prepended) and Xref (dropped; each server writes its own) are rewritten. Pure: no I/O.
 */
import { LIMITS } from '../limits';
import { messageIdProblem } from '../message-id';
import { nodeNameProblem } from '../node-name';
import { controlCharProblem } from '../text-rules';
import { isUtf8 } from 'node:buffer';
import { decodeBytes, decodeEncodedWords } from './encoded-words';
import { parseRfc5322Date } from './dates';

export interface HeaderField {
  /** The name as written. */
  name: string;
  lower: string;
  /** Unfolded (the CRLFs of continuation lines removed), leading blanks trimmed, 8-bit decoded. */
  value: string;
  /** Byte range of the whole field in the article, its final CRLF included. */
  start: number;
  end: number;
}

export interface WireHeaders {
  fields: HeaderField[];
  /** Offset of the body (after the empty line); the article's length when there is none. */
  bodyStart: number;
  /** First field of each lower-case name (built on first lookup). */
  first?: Map<string, HeaderField>;
}

/** RFC 5322 field names: printable ASCII but ":" (so `-`, `_`, `.` and more are fine). */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const LF = 0x0a;

/** Splits the header section into fields; a line that is neither a field nor a continuation is a problem. */
export function parseWireHeaders(wire: Buffer): WireHeaders | { problem: string } {
  const fields: HeaderField[] = [];
  let pos = 0;
  let lineNo = 0;
  while (pos < wire.length) {
    const nl = wire.indexOf(LF, pos);
    const end = nl < 0 ? wire.length : nl + 1;
    const contentEnd = nl < 0 ? wire.length : nl > pos && wire[nl - 1] === 0x0d ? nl - 1 : nl;
    lineNo++;
    if (contentEnd === pos) return { fields, bodyStart: end };
    const first = wire[pos];
    if (first === 0x20 || first === 0x09) {
      const last = fields[fields.length - 1];
      if (!last) return { problem: 'the first header line is a continuation line' };
      last.value += decodeBytes(wire.subarray(pos, contentEnd));
      last.end = end;
    } else {
      const colon = wire.indexOf(0x3a, pos);
      const name = colon > pos && colon < contentEnd ? wire.toString('latin1', pos, colon) : '';
      if (!FIELD_NAME.test(name)) return { problem: `header line ${lineNo} is not "Name: value"` };
      // The one blank after the colon is not part of the value.
      const from = colon + 1 < contentEnd && wire[colon + 1] === 0x20 ? colon + 2 : colon + 1;
      fields.push({ name, lower: name.toLowerCase(), value: decodeBytes(wire.subarray(from, contentEnd)), start: pos, end });
    }
    pos = end;
  }
  return { fields, bodyStart: wire.length };
}

/** Trims the blanks that follow the colon and end the value. */
function clean(v: string): string {
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(v.length - 1);
  // Most values are "Name: value": one space in front, nothing behind.
  if (first !== 32 && first !== 9 && last !== 32 && last !== 9) return v;
  return v.replace(/^[ \t]+|[ \t]+$/g, '');
}

export function headerValue(h: WireHeaders, lower: string): string | undefined {
  if (!h.first) {
    h.first = new Map();
    for (const f of h.fields) if (!h.first.has(f.lower)) h.first.set(f.lower, f);
  }
  const f = h.first.get(lower);
  return f === undefined ? undefined : clean(f.value);
}

/** Header names this codec maps to Article fields, or that each server writes itself. */
const MAPPED = new Set(['message-id', 'newsgroups', 'from', 'subject', 'date', 'references', 'path', 'xref', 'x-newsmesh-date']);
const ARTICLE_HEADER_NAME = /^[A-Za-z0-9-]+$/;
const PATH_TAIL = 'not-for-mail';

/** Node names of a Path value, newest first: diagnostics (`.POSTED.x`, `!!`) and the tail left out. */
export function pathNames(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split('!')) {
    const name = raw.trim();
    if (name === '' || name === PATH_TAIL || nodeNameProblem(name) !== null) continue;
    out.push(name);
    if (out.length >= LIMITS.pathMax) break;
  }
  return out;
}

/** References that are message-ids, oldest first; trimmed like GNKSA when too many (first + latest). */
export function referenceIds(value: string): string[] {
  const ids = value.split(/[\s,]+/).filter((t) => t.length > 0 && messageIdProblem(t) === null);
  if (ids.length <= LIMITS.referencesMax) return ids;
  return [ids[0], ...ids.slice(ids.length - (LIMITS.referencesMax - 1))];
}

/** Number of lines of a body (CRLF or LF ends; a last line without one counts too). */
export function countLines(body: Buffer): number {
  return scanLines(body).lines;
}

/** Lines of a body, and whether every CR and LF in it belongs to a CRLF pair. */
function scanLines(body: Buffer): { lines: number; crlfOnly: boolean } {
  let lines = 0;
  let crlfOnly = true;
  for (let i = body.indexOf(LF); i >= 0; i = body.indexOf(LF, i + 1)) {
    lines++;
    if (i === 0 || body[i - 1] !== 0x0d) crlfOnly = false;
  }
  if (body.length > 0 && body[body.length - 1] !== LF) lines++;
  if (crlfOnly) for (let i = body.indexOf(0x0d); i >= 0; i = body.indexOf(0x0d, i + 1)) if (body[i + 1] !== LF) crlfOnly = false;
  return { lines, crlfOnly };
}

function charsetOf(h: WireHeaders): string | undefined {
  const ct = headerValue(h, 'content-type');
  return ct ? /charset\s*=\s*"?([^";\s]+)/i.exec(ct)?.[1] : undefined;
}

export type FromWire =
  | {
      ok: true;
      input: Record<string, unknown>;
      lines: number;
      /** wireBody(body text) gives back exactly the received body bytes. */
      bodyExact: boolean;
    }
  | { ok: false; problem: string };

/**
 * The Article fields of a wire article (not validated yet: the caller runs validateArticle).
 * `path` holds the Path names as received (this node is added by the ingest).
 */
export function articleFromWire(wire: Buffer, h: WireHeaders): FromWire {
  const core: Record<string, string> = {};
  for (const [lower, label] of REQUIRED) {
    const v = headerValue(h, lower);
    if (v === undefined || v === '') return { ok: false, problem: `missing ${label} header` };
    core[lower] = v;
  }
  const ms = parseRfc5322Date(core.date);
  if (ms === null) return { ok: false, problem: `Date header "${core.date.slice(0, 80)}" is not an RFC 5322 date` };
  // A newsmesh node's exact date survives a trip through other servers when it agrees with Date.
  const exact = headerValue(h, 'x-newsmesh-date');
  const date = exact !== undefined && Math.abs(Date.parse(exact) - ms) < 1000 ? exact : new Date(ms).toISOString();
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const f of h.fields) {
    if (MAPPED.has(f.lower) || f.lower.startsWith('x-newsmesh-header-') || seen.has(f.lower)) continue;
    if (!ARTICLE_HEADER_NAME.test(f.name) || f.name.length > LIMITS.headerNameMaxBytes || seen.size >= LIMITS.headersMax) continue;
    const v = clean(f.value);
    // What the Article cannot hold stays in the wire bytes, which are what NNTP readers get.
    if (v.length > LIMITS.headerValueMaxChars || controlCharProblem(v) !== null) continue;
    seen.add(f.lower);
    headers[f.name] = v;
  }
  const body = wire.subarray(h.bodyStart);
  const { lines, crlfOnly } = scanLines(body);
  const utf8 = isUtf8(body);
  const input: Record<string, unknown> = {
    id: core['message-id'],
    newsgroups: core.newsgroups.split(',').map((g) => g.trim()).filter((g) => g.length > 0),
    from: decodeEncodedWords(core.from),
    subject: decodeEncodedWords(core.subject),
    date,
    references: referenceIds(headerValue(h, 'references') ?? ''),
    path: pathNames(headerValue(h, 'path') ?? ''),
    ...(seen.size > 0 ? { headers } : {}),
    body: (utf8 ? body.toString('utf8') : decodeBytes(body, charsetOf(h))).replace(/\r\n/g, '\n'),
  };
  return { ok: true, input, lines, bodyExact: utf8 && crlfOnly };
}

const REQUIRED: [string, string][] = [
  ['message-id', 'Message-ID'],
  ['newsgroups', 'Newsgroups'],
  ['from', 'From'],
  ['subject', 'Subject'],
  ['date', 'Date'],
];

export interface HeaderEdit {
  /** Fields to leave out (by lower-case name). */
  drop: ReadonlySet<string>;
  /** Whole lines (without CRLF) to put first, and last, in the header section. */
  prepend: string[];
  append: string[];
}

/**
 * The article with its header section edited: the fields named in `drop` removed, lines put
 * before and after the others; every other byte (other fields, folding, body) unchanged.
 */
export function editHeaders(wire: Buffer, h: WireHeaders, edit: HeaderEdit, withBody = true): Buffer {
  const parts: Buffer[] = [];
  if (edit.prepend.length > 0) parts.push(Buffer.from(edit.prepend.map((l) => `${l}\r\n`).join(''), 'utf8'));
  let from = 0;
  let headerEnd = 0;
  for (const f of h.fields) {
    headerEnd = f.end;
    if (!edit.drop.has(f.lower)) continue;
    if (f.start > from) parts.push(wire.subarray(from, f.start));
    from = f.end;
  }
  if (headerEnd > from) parts.push(wire.subarray(from, headerEnd));
  if (edit.append.length > 0) parts.push(Buffer.from(edit.append.map((l) => `${l}\r\n`).join(''), 'utf8'));
  parts.push(Buffer.from('\r\n'));
  if (withBody) parts.push(wire.subarray(h.bodyStart));
  return Buffer.concat(parts);
}

/** The Path line a server writes when it passes an article on: its name in front. */
export function prependedPath(h: WireHeaders, name: string): string {
  const old = headerValue(h, 'path');
  return `Path: ${name}!${old ? old.replace(/\s+/g, '') : PATH_TAIL}`;
}

/**
 * What a transit server stores: its name prepended to Path, incoming Xref dropped, the rest as
 * received. `withBody` false: the header section only (its empty line included).
 */
export function transitWire(wire: Buffer, h: WireHeaders, name: string, withBody = true): Buffer {
  return editHeaders(wire, h, { drop: TRANSIT_DROP, prepend: [prependedPath(h, name)], append: [] }, withBody);
}

/** The body bytes an Article's text stands for on the wire: UTF-8, CRLF line ends. */
export function wireBody(text: string): Buffer {
  return Buffer.from(text.replace(/\n/g, '\r\n'), 'utf8');
}

const TRANSIT_DROP: ReadonlySet<string> = new Set(['path', 'xref']);

/** Offset of the empty line that ends the header section of a stored wire article. */
export function headerSectionEnd(wire: Buffer): number {
  if (wire.length >= 2 && wire[0] === 0x0d && wire[1] === LF) return 0;
  const i = wire.indexOf('\r\n\r\n');
  return i < 0 ? wire.length : i + 2;
}
