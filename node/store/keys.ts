/**
 * Key layout helpers. Numeric parts are zero-padded so lexicographic order equals numeric
 * order; parts are joined with NUL, which no group name, node name or message-id contains.
 * Padding is the built-in padStart on purpose: an encoding package (lexicographic-integer,
 * charwise) would change the key layout on disk for no gain at 16 decimal digits.
 */
export const SEP = '\x00';
/** One past SEP: the exclusive upper bound of a prefix range. */
export const SEP_END = '\x01';
const WIDTH = 16;

export function pad(n: number): string {
  return n.toString().padStart(WIDTH, '0');
}

export function unpad(s: string): number {
  return Number.parseInt(s, 10);
}

export function key(...parts: (string | number)[]): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    out += (i > 0 ? SEP : '') + (typeof p === 'number' ? pad(p) : p);
  }
  return out;
}

/** `key(prefix, n)` without the rest-array: the ingest builds several per article. */
export function numKey(prefix: string, n: number): string {
  return prefix + SEP + pad(n);
}

/** Range options covering every key that starts with `prefix` + SEP. */
export function prefixRange(prefix: string): { gt: string; lt: string } {
  return { gt: prefix + SEP, lt: prefix + SEP_END };
}

/** The last part of a composite key. */
export function lastPart(k: string): string {
  return k.slice(k.lastIndexOf(SEP) + 1);
}
