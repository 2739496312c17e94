/**
 * MIME (RFC 2045/2047) for archive files. Writing: an article becomes a mail message that mail
 * tools read exactly (MIME-Version, `text/plain; charset=utf-8`, the lightest transfer encoding
 * that keeps the body byte for byte, RFC 2047 encoded-words for header text that is not plain
 * ASCII), with libmime and libqp doing the encoding. Reading: header text is decoded with
 * libmime; a body that is one text/plain part in UTF-8 or ASCII is decoded with libqp or
 * Buffer's base64, anything else (multipart, other charsets, format=flowed) by postal-mime.
 * Pure: no I/O.
 */
import libmime from 'libmime';
import libqp from 'libqp';
import PostalMime from 'postal-mime';
import type { Article } from './article';
import { LIMITS } from './limits';
import { messageIdProblem } from './message-id';
import { isoFromRfc5322, parseHeaderBlock, rfc5322Date, type HeaderField } from './rfc5536';

/** Header names this codec writes itself (lower case); a stored header of that name is escaped. */
const OWN = new Set(['message-id', 'newsgroups', 'from', 'subject', 'date', 'references', 'path', 'mime-version', 'content-type', 'content-transfer-encoding', 'x-newsmesh-signature', 'x-newsmesh-signer']);
const EXACT_DATE = 'X-Newsmesh-Date';
/** A signed article's wire fields (docs/protocol.md, "Article signatures"), as they are. */
const SIGNATURE = 'X-Newsmesh-Signature';
const SIGNER = 'X-Newsmesh-Signer';
const ESCAPE = 'X-Newsmesh-Header-';
/** Usenet's conventional tail of `Path`: marks the end, never a node of ours. */
const PATH_TAIL = 'not-for-mail';
/** Preferred header line length (RFC 5322 2.1.1); 998 is the hard limit. */
const FOLD_AT = 76;
const LINE_MAX = 998;
/** Headers of a mail message (one without `Path`) worth keeping on an article. */
const MAIL_HEADERS = new Set(['to', 'cc', 'reply-to', 'organization', 'list-id', 'user-agent', 'x-mailer', 'followup-to', 'keywords', 'summary']);

function escapedName(name: string): string {
  const lower = name.toLowerCase();
  const clash = OWN.has(lower) || lower.startsWith('content-') || lower === EXACT_DATE.toLowerCase() || lower.startsWith(ESCAPE.toLowerCase());
  return clash ? ESCAPE + name : name;
}

// ---- writing -------------------------------------------------------------------------------

const PLAIN = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
const SINGLE_SPACED = /^\S+(?: \S+)*$/;

/**
 * Header text a mail reader shows exactly: as it is when it is plain ASCII with single spaces;
 * the non-ASCII words as encoded-words when only they need it; the whole value as
 * encoded-words when its spacing (edge, double, tabs) or an `=?` in it would not survive.
 */
function encodeText(value: string): string {
  if (value.includes('=?')) return libmime.encodeWord(value, 'Q', 52);
  if (PLAIN.test(value)) return value;
  if (SINGLE_SPACED.test(value)) return libmime.encodeWords(value, 'Q', 52);
  return value.length === 0 ? '' : libmime.encodeWord(value, 'Q', 52);
}

/** One header line, folded at spaces when long; encoded whole when folding cannot fit it. */
function headerLine(name: string, value: string, text = true): string {
  const encoded = text ? encodeText(value) : value;
  const line = `${name}: ${encoded}`;
  if (line.length <= FOLD_AT) return `${line}\n`;
  const folded = libmime.foldLines(line, FOLD_AT).replace(/\r\n/g, '\n');
  if (!folded.split('\n').some((l) => l.length > LINE_MAX)) return `${folded}\n`;
  return `${libmime.foldLines(`${name}: ${libmime.encodeWord(value, 'Q', 52)}`, FOLD_AT).replace(/\r\n/g, '\n')}\n`;
}

/** True when every line of `body` is at most 998 bytes (RFC 5322 2.1.1). */
function linesFit(body: string): boolean {
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair is 4 for 2 units).
    if (end - start > LINE_MAX / 3 && Buffer.byteLength(body.slice(start, end), 'utf8') > LINE_MAX) return false;
    start = end + 1;
  }
  return true;
}

const BARE_8BIT_UNSAFE = /[\r\0]/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The body in the lightest transfer encoding that reads back byte for byte: as it is (7bit or
 * 8bit) when it ends with a newline and has short lines and no CR or NUL; base64 when it holds
 * a CR (quoted-printable cannot keep a bare CR apart from a line end); quoted-printable
 * otherwise, with a final soft break when the body has no final newline.
 */
export function encodeBody(body: string): { cte: '7bit' | '8bit' | 'quoted-printable' | 'base64'; text: string } {
  if (body.length === 0) return { cte: '7bit', text: '' };
  if (body.includes('\r')) {
    const b64 = Buffer.from(body, 'utf8').toString('base64');
    return { cte: 'base64', text: `${b64.replace(/.{76}/g, '$&\n')}${b64.length % 76 === 0 ? '' : '\n'}` };
  }
  if (body.endsWith('\n') && !BARE_8BIT_UNSAFE.test(body) && linesFit(body)) return { cte: NON_ASCII.test(body) ? '8bit' : '7bit', text: body };
  const qp = libqp.wrap(libqp.encode(body), FOLD_AT).replace(/\r\n/g, '\n');
  return { cte: 'quoted-printable', text: qp.endsWith('\n') ? qp : `${qp}=\n` };
}

/**
 * The header block of an article as a MIME message, each line ending in LF. The RFC 5322
 * `Date` has whole seconds; when that loses anything of the ISO date, `X-Newsmesh-Date`
 * keeps it.
 */
export function renderMimeHeaders(a: Article, cte: string): string {
  const d = new Date(a.date);
  const groups = a.newsgroups.join(',');
  let out = headerLine('Path', `${a.path.length > 0 ? `${a.path.join('!')}!` : ''}${PATH_TAIL}`, false);
  out += headerLine('From', a.from);
  out += `Newsgroups: ${groups.length + 12 > LINE_MAX ? a.newsgroups.join(',\n ') : groups}\n`;
  out += headerLine('Subject', a.subject);
  out += `Date: ${rfc5322Date(a.date)}\nMessage-ID: ${a.id}\n`;
  if (a.references.length > 0) out += headerLine('References', a.references.join(' '), false);
  if (Number.isNaN(d.getTime()) || d.getUTCMilliseconds() !== 0 || d.toISOString() !== a.date) out += `${EXACT_DATE}: ${a.date}\n`;
  if (a.headers) for (const name in a.headers) out += headerLine(escapedName(name), a.headers[name]);
  if (a.signature !== undefined && a.signer !== undefined) out += `${SIGNER}: ${a.signer}\n${SIGNATURE}: ${a.signature}\n`;
  return `${out}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: ${cte}\n`;
}

/** The whole article as a MIME message: headers, a blank line, the encoded body (LF line ends). */
export function renderMimeMessage(a: Article): string {
  const { cte, text } = encodeBody(a.body);
  return `${renderMimeHeaders(a, cte)}\n${text}`;
}

// ---- reading -------------------------------------------------------------------------------

export interface MimeReadOptions {
  /** The group for messages without `Newsgroups` (a person's input: normalized by the caller). */
  group?: string;
}

/** An article-shaped object (validated by the caller), or why the message cannot be one. */
export type MimeRead = { ok: true; article: Record<string, unknown> } | { ok: false; id?: string; reason: string };

/** Header text with its encoded-words decoded. */
function decodeText(raw: string): string {
  const v = raw.trim();
  return v.includes('=?') ? libmime.decodeWords(v) : v;
}

const ID_TOKEN = /<[^<>\s]+>/g;

/** Mail threads can be deeper than an article may list: keep the root and the nearest ones. */
function boundReferences(refs: string[]): string[] {
  return refs.length <= LIMITS.referencesMax ? refs : [refs[0], ...refs.slice(refs.length - LIMITS.referencesMax + 1)];
}

interface Headers {
  news: boolean;
  core: Map<string, string>;
  extra: HeaderField[];
  contentType?: string;
  cte?: string;
}

function sortHeaders(fields: HeaderField[]): Headers {
  const out: Headers = { news: false, core: new Map(), extra: [] };
  for (const f of fields) {
    const lower = f.name.toLowerCase();
    if (lower === 'content-type') out.contentType = f.value;
    else if (lower === 'content-transfer-encoding') out.cte = f.value.trim().toLowerCase();
    else if (lower === 'mime-version') continue;
    else if (OWN.has(lower) || lower === EXACT_DATE.toLowerCase() || lower === 'in-reply-to') {
      if (lower === 'path') out.news = true;
      if (!out.core.has(lower)) out.core.set(lower, f.value);
      if (lower === 'in-reply-to') out.extra.push(f);
    } else out.extra.push(f);
  }
  return out;
}

const SIMPLE_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/**
 * The body of a single text/plain part in UTF-8 or ASCII, decoded here; null when the message
 * needs the full MIME parser. Line ends are made LF, except in base64, which is exact.
 */
function simpleBody(h: Headers, body: string): string | null {
  const cte = h.cte ?? '7bit';
  if (h.contentType !== undefined) {
    const ct = libmime.parseHeaderValue(h.contentType);
    const params = ct.params as Record<string, string | undefined>;
    if (ct.value.toLowerCase() !== 'text/plain' || (params.format ?? '').toLowerCase() === 'flowed') return null;
    if (!SIMPLE_CHARSETS.has((params.charset ?? 'us-ascii').toLowerCase())) return null;
  }
  // libqp and Buffer read a latin1 string byte for byte: no copy into a Buffer first.
  if (cte === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (cte === 'quoted-printable') return crlfToLf(libqp.decode(body).toString('utf8'));
  if (cte === '7bit' || cte === '8bit' || cte === 'binary') return crlfToLf(Buffer.from(body, 'latin1').toString('utf8'));
  return null;
}

const crlfToLf = (s: string) => (s.includes('\r\n') ? s.replace(/\r\n/g, '\n') : s);

/** postal-mime's limits: a file may be hostile. */
const POSTAL_OPTIONS = { maxNestingDepth: 16, maxHeadersSize: 256 * 1024, maxRfc822NestingDepth: 0 };

/**
 * Reads one message (its header block, decoded, and its body as bytes in a latin1 string,
 * split by the caller) into an article-shaped object. A message with a `Path` header is netnews (this node's exports among
 * them): every header is kept. A mail message keeps a few readable headers, takes its thread
 * from `References` or else `In-Reply-To`, and gets the group from `opts.group` when it has no
 * `Newsgroups`.
 */
export async function readMimeMessage(headerBlock: string, body: string, opts: MimeReadOptions = {}): Promise<MimeRead> {
  const h = sortHeaders(parseHeaderBlock(headerBlock));
  const rawId = h.core.get('message-id');
  const id = rawId === undefined ? undefined : (rawId.match(ID_TOKEN)?.[0] ?? rawId.trim());
  const fail = (reason: string): MimeRead => ({ ok: false, ...(id ? { id } : {}), reason });
  if (id === undefined) return fail('the message has no Message-ID header');

  let text = simpleBody(h, body);
  if (text === null) {
    let parsed;
    try {
      parsed = await PostalMime.parse(Buffer.concat([Buffer.from(`${headerBlock}\n\n`, 'utf8'), Buffer.from(body, 'latin1')]), POSTAL_OPTIONS);
    } catch (err) {
      return fail(`the MIME structure cannot be read: ${(err as Error).message}`);
    }
    if (parsed.text === undefined) return fail(parsed.html !== undefined ? 'the message has no text/plain part (HTML only)' : 'the message has no text part');
    text = crlfToLf(parsed.text);
  }

  const groupsRaw = h.core.get('newsgroups');
  const newsgroups = groupsRaw !== undefined ? groupsRaw.split(',').map((g) => g.trim().toLowerCase()).filter(Boolean) : opts.group ? [opts.group] : [];
  if (newsgroups.length === 0) return fail('the message has no Newsgroups header: name the group with --group GROUP');

  const from = h.core.get('from');
  if (from === undefined) return fail('the message has no From header');
  const exactDate = h.core.get(EXACT_DATE.toLowerCase());
  const rawDate = h.core.get('date');
  const date = exactDate?.trim() ?? (rawDate !== undefined ? (isoFromRfc5322(rawDate) ?? rawDate.trim()) : undefined);
  if (date === undefined) return fail('the message has no Date header');

  let references: string[] = (h.core.get('references') ?? '').match(ID_TOKEN) ?? [];
  if (!h.news) {
    // Mail archives hold ids that are not Message-IDs by the Article rules; threads keep the rest.
    references = references.filter((r) => messageIdProblem(r) === null);
    if (references.length === 0) {
      const parent = (h.core.get('in-reply-to') ?? '').match(ID_TOKEN)?.find((r) => messageIdProblem(r) === null);
      if (parent) references = [parent];
    }
    references = boundReferences(references);
  }

  const headers: Record<string, string> = {};
  let headerCount = 0;
  for (const f of h.extra) {
    const lower = f.name.toLowerCase();
    if (!h.news && !MAIL_HEADERS.has(lower)) continue;
    const name = lower.startsWith(ESCAPE.toLowerCase()) ? f.name.slice(ESCAPE.length) : f.name;
    if (!(name in headers)) headerCount++;
    headers[name] = decodeText(f.value);
  }

  const pathRaw = h.core.get('path');
  const path = pathRaw === undefined ? [] : pathRaw.trim().split('!').filter(Boolean);
  if (path[path.length - 1] === PATH_TAIL) path.pop();

  const subject = decodeText(h.core.get('subject') ?? '');
  const signature = h.core.get(SIGNATURE.toLowerCase())?.trim();
  const signer = h.core.get(SIGNER.toLowerCase())?.trim();
  return {
    ok: true,
    article: {
      id,
      newsgroups,
      from: decodeText(from),
      // Mail readers show a message without a subject as this; an article needs one.
      subject: subject.length > 0 || h.news ? subject : '(no subject)',
      date,
      references,
      path,
      ...(headerCount > 0 ? { headers } : {}),
      body: text,
      // Verified by the node that imports it; a lone one is refused there (both or neither).
      ...(signature !== undefined ? { signature } : {}),
      ...(signer !== undefined ? { signer } : {}),
    },
  };
}
