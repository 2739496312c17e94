/**
 * The NNTP wire form of an article that did not arrive by NNTP (a local post, or one that came
 * by gossip): the RFC 5536 header block of rfc5536.ts with CRLF line ends, non-ASCII values as
 * RFC 2047 encoded words and lines over 998 octets folded, then the body with CRLF line ends.
 * renderedStats gives its size and line count without building it (the overview index keeps
 * them). Pure: no I/O.
 */
import type { Article } from '../article';
import { renderHeaderBlock } from '../rfc5536';
import { asciiHeaderValue, isAscii } from './encoded-words';

/** RFC 5322 section 2.1.1: a line is at most 998 characters. */
const LINE_MAX = 998;

/** Folds a long header line at blanks so every physical line stays under the limit. */
export function foldLine(line: string): string {
  if (line.length <= LINE_MAX) return line;
  const colon = line.indexOf(':');
  let out = '';
  let rest = line;
  while (rest.length > LINE_MAX) {
    const cut = rest.lastIndexOf(' ', LINE_MAX - 1);
    if (cut <= (out === '' ? colon + 1 : 0)) break;
    out += `${rest.slice(0, cut)}\r\n`;
    rest = rest.slice(cut);
  }
  return out + rest;
}

/** The header section (CRLF line ends, ASCII, folded), without the empty line that ends it. */
export function renderHeaderText(a: Article): string {
  const block = renderHeaderBlock(a);
  let out = '';
  for (const line of block.split('\n')) {
    if (line === '') continue;
    let l = line;
    if (!isAscii(l)) {
      const colon = l.indexOf(': ');
      l = `${l.slice(0, colon)}: ${asciiHeaderValue(l.slice(0, colon), l.slice(colon + 2))}`;
    }
    out += `${foldLine(l)}\r\n`;
  }
  return out;
}

function crlfBody(body: string): string {
  const b = body.replace(/\r?\n/g, '\r\n');
  return b.length === 0 || b.endsWith('\r\n') ? b : `${b}\r\n`;
}

/** The whole article as NNTP sends it (before dot-stuffing). */
export function renderWire(a: Article): Buffer {
  return Buffer.from(`${renderHeaderText(a)}\r\n${crlfBody(a.body)}`, 'utf8');
}

/** Octets of the header section as renderHeaderText writes it, without writing it in the usual case. */
function headerBytes(a: Article): number {
  const block = renderHeaderBlock(a);
  let lines = 0;
  let longest = 0;
  for (let from = 0, i = block.indexOf('\n'); i >= 0; from = i + 1, i = block.indexOf('\n', from)) {
    lines++;
    if (i - from > longest) longest = i - from;
  }
  // Plain ASCII lines that need no folding only gain a CR each.
  if (longest <= LINE_MAX && isAscii(block)) return block.length + lines;
  return Buffer.byteLength(renderHeaderText(a));
}

/** Octets of renderWire(a) and lines of its body, computed without building it (the ingest keeps them). */
export function renderedStats(a: Article): { bytes: number; lines: number } {
  const body = a.body;
  let lf = 0;
  let cr = 0;
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) {
    lf++;
    if (i > 0 && body.charCodeAt(i - 1) === 13) cr++;
  }
  const unterminated = body.length > 0 && !body.endsWith('\n') ? 1 : 0;
  const bodyBytes = Buffer.byteLength(body) + (lf - cr) + unterminated * 2;
  return { bytes: headerBytes(a) + 2 + bodyBytes, lines: lf + unterminated };
}
