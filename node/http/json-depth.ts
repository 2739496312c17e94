/**
 * A linear scan of raw JSON text for its nesting depth, run before JSON.parse builds
 * anything: a body that nests deeper than allowed is refused after reading at most up to
 * the offending bracket, whatever its size, and without allocating.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The offset of the first bracket that opens level `max + 1`, or -1. Brackets inside strings
 * do not count; malformed text is left for JSON.parse to report.
 */
export function firstTooDeep(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote (indexOf is far faster than a loop over a long string): a
      // quote preceded by an odd run of backslashes is escaped and does not close it.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return -1;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        i = end;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}
