/**
 * RFC 2047 encoded words in header values: decoding (`=?charset?B|Q?text?=`, whitespace between
 * adjacent encoded words dropped) for the article's `from` and `subject`, and encoding of
 * non-ASCII values when an article is written for NNTP, where classic readers expect ASCII
 * headers. Also the charset-aware decoding of raw 8-bit text. Pure: no I/O.
 */

import * as nodeBuffer from 'node:buffer';

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decoderFor(charset: string): TextDecoder | null {
  try {
    return new TextDecoder(charset.replace(/\*.*$/, '').toLowerCase());
  } catch {
    return null;
  }
}

function decodeQ(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/** Decodes the encoded words of a header value; words in unknown charsets stay as written. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let prevEncodedEnd = -1;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const decoder = decoderFor(m[1]);
    if (!decoder) continue;
    const bytes = m[2].toUpperCase() === 'B' ? Buffer.from(m[3], 'base64') : decodeQ(m[3]);
    const between = value.slice(last, m.index);
    // Whitespace that only separates two encoded words is not part of the text.
    if (!(prevEncodedEnd === last && /^\s*$/.test(between))) out += between;
    out += decoder.decode(bytes);
    last = m.index + m[0].length;
    prevEncodedEnd = last;
  }
  return out + value.slice(last);
}

/** True when the text is plain ASCII. */
export function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

/** One or more `=?UTF-8?B?...?=` words, each at most 75 characters (RFC 2047 section 2). */
export function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  // 45 bytes of UTF-8 make 60 base64 characters: with the 12 of the frame, a word stays under 75.
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

/**
 * A header value made ASCII for the wire: unstructured text is encoded whole; an address with
 * a display name (`Name <addr>`) keeps the address as it is and encodes only the name.
 */
export function asciiHeaderValue(name: string, value: string): string {
  if (isAscii(value)) return value;
  if (/^(from|sender|reply-to|to|cc)$/i.test(name)) {
    const m = /^(.*?)\s*(<[^<>]*>)\s*$/.exec(value);
    if (m && isAscii(m[2])) return m[1] ? `${encodeWords(m[1].replace(/^"|"$/g, ''))} ${m[2]}` : m[2];
    return value;
  }
  return encodeWords(value);
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** buffer.isAscii (native) where Node has it. */
const isAsciiBytes: (b: Uint8Array) => boolean =
  (nodeBuffer as { isAscii?: (b: Uint8Array) => boolean }).isAscii ??
  ((b) => {
    for (let i = 0; i < b.length; i++) if (b[i] > 0x7f) return false;
    return true;
  });

/** windows-1252's 0x80-0x9f (Node's TextDecoder gives latin1's C1 controls there). */
const CP1252 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const windows1252 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252[c.charCodeAt(0) - 0x80]);

/**
 * Text of raw 8-bit bytes: UTF-8 when they are valid UTF-8, else the declared charset when it
 * is known, else windows-1252 (what unlabelled 8-bit Usenet text mostly is).
 */
export function decodeBytes(bytes: Uint8Array, charset?: string): string {
  // ASCII (most header values, many bodies) needs no decoder.
  if (isAsciiBytes(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    const d = charset && !/^(us-ascii|iso-8859-1|latin1|windows-1252|cp1252)$/i.test(charset) ? decoderFor(charset) : null;
    return d ? d.decode(bytes) : windows1252(bytes);
  }
}
