/**
 * Dot-stuffing of multi-line blocks (RFC 3977 section 3.1.1): on the wire a line that starts
 * with "." gets a second one, and a line holding only "." ends the block. These work on the
 * bytes of whole blocks (articles travel as Buffers, CRLF line ends) and take the fast path
 * when no line starts with a dot. Pure: no I/O.
 */

const CRLF_DOT = Buffer.from('\r\n.');
const DOT = 0x2e;
export const TERMINATOR = Buffer.from('.\r\n');

/** One text line as it goes on the wire. */
export function dotStuffLine(line: string): string {
  return line.charCodeAt(0) === DOT ? `.${line}` : line;
}

/**
 * The block as it goes on the wire, terminator included: lines that start with "." doubled,
 * a missing final CRLF added.
 */
export function dotStuff(block: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  if (block.length > 0 && block[0] === DOT) {
    parts.push(Buffer.from('.'));
  }
  for (let i = block.indexOf(CRLF_DOT); i >= 0; i = block.indexOf(CRLF_DOT, i + 3)) {
    parts.push(block.subarray(from, i + 2), Buffer.from('.'));
    from = i + 2;
  }
  const endsWell = block.length === 0 || (block.length >= 2 && block[block.length - 2] === 0x0d && block[block.length - 1] === 0x0a);
  if (parts.length === 0) return Buffer.concat(endsWell ? [block, TERMINATOR] : [block, Buffer.from('\r\n'), TERMINATOR]);
  parts.push(block.subarray(from));
  if (!endsWell) parts.push(Buffer.from('\r\n'));
  parts.push(TERMINATOR);
  return Buffer.concat(parts);
}

/**
 * Undoes dot-stuffing of a received block (terminator already removed): the first "." of
 * every line that starts with one goes. Returns the same Buffer when there is nothing to undo.
 */
export function undotStuff(block: Buffer): Buffer {
  const startsWithDot = block.length > 0 && block[0] === DOT;
  let i = block.indexOf(CRLF_DOT);
  if (!startsWithDot && i < 0) return block;
  const parts: Buffer[] = [];
  let from = startsWithDot ? 1 : 0;
  for (; i >= 0; i = block.indexOf(CRLF_DOT, i + 3)) {
    parts.push(block.subarray(from, i + 2));
    from = i + 3;
  }
  parts.push(block.subarray(from));
  return Buffer.concat(parts);
}
