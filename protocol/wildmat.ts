/**
 * Wildmat group patterns (RFC 3977 section 4), as INN uses them for feeds: a comma-separated
 * list such as `comp.*,!comp.test.*`. Patterns are tried left to right and the LAST one that
 * matches decides (a `!` pattern excludes); a name no pattern matches is excluded.
 * Supported: `*`, `?`, `[...]`/`[^...]` classes and `\` escapes. Pure: no I/O.
 * A filter may come from a stranger's hello, so no input can make it slow: nothing is built
 * into a RegExp; the items run as one bit-parallel NFA costing O(name length x list length
 * / 32) with no backtracking, pattern sizes are capped, and verdicts are memoised per filter.
 */
import { LRUCache } from 'lru-cache';
import { LIMITS } from './limits';

export interface Wildmat {
  /** The pattern list as given (normalised: trimmed, no empty items). */
  readonly source: string;
  matches(group: string): boolean;
  /** True when any of the groups matches (how a crossposted article is fed). */
  matchesAny(groups: readonly string[]): boolean;
}

/** Longest pattern list, in characters (the hello and AddPeer schemas use it too). */
export const WILDMAT_MAX_CHARS = 2048;
/** Most items in one list. */
export const WILDMAT_MAX_ITEMS = 100;
/** Longest single item: a group name is at most 120 bytes, classes need some room more. */
export const WILDMAT_MAX_ITEM_CHARS = 250;
/** Group names whose verdict each compiled filter remembers (routing asks again per article). */
export const WILDMAT_MEMO_MAX = 512;

/** What one pattern position accepts: a char code, any char (-1), or a class. */
type CharTest = number | CharClass;
interface CharClass {
  negate: boolean;
  ranges: number[];
}

/** One item split into char tests; `loops[j]`: a `*` follows the first j tests. */
interface Tokens {
  tests: CharTest[];
  loops: boolean[];
}

/** An item: a plain compare for the common shapes, else a position in the shared NFA. */
interface Item {
  negate: boolean;
  test?: (name: string) => boolean;
  /** The NFA bit that is set when the item matched the whole name. */
  accept?: number;
}

/** Reason the text is not a wildmat, or null. */
export function wildmatProblem(text: string): string | null {
  try {
    parseWildmat(text);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Parses a wildmat list; throws an Error with a readable reason when it is malformed. */
export function parseWildmat(text: string): Wildmat {
  if (text.length > WILDMAT_MAX_CHARS) throw new Error(`groups pattern is longer than ${WILDMAT_MAX_CHARS} characters`);
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new Error('groups pattern is empty');
  if (parts.length > WILDMAT_MAX_ITEMS) throw new Error(`groups pattern has more than ${WILDMAT_MAX_ITEMS} items`);
  const nfaItems: Tokens[] = [];
  const items: Item[] = parts.map((p) => {
    if (p.length > WILDMAT_MAX_ITEM_CHARS) throw new Error(`groups pattern "${p.slice(0, 40)}..." is longer than ${WILDMAT_MAX_ITEM_CHARS} characters`);
    const negate = p.startsWith('!');
    const body = negate ? p.slice(1) : p;
    if (body.length === 0) throw new Error(`groups pattern "${p}" is empty after "!"`);
    const tokens = tokenize(body);
    const test = plainTest(tokens);
    if (test) return { negate, test };
    nfaItems.push(tokens);
    return { negate };
  });
  const nfa = nfaItems.length > 0 ? new Automaton(nfaItems) : null;
  let next = 0;
  for (const it of items) if (!it.test) it.accept = nfa!.acceptBits[next++];
  // The last matching item decides, so the search runs backwards and stops at the first hit;
  // the NFA runs (once, for all its items) only if the search gets to one of them.
  const decide = (group: string): boolean => {
    let final: Uint32Array | null = null;
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i];
      let hit: boolean;
      if (it.test) hit = it.test(group);
      else {
        final ??= nfa!.run(group);
        hit = ((final[it.accept! >>> 5] >>> (it.accept! & 31)) & 1) === 1;
      }
      if (hit) return !it.negate;
    }
    return false;
  };
  const memo = new LRUCache<string, boolean>({ max: WILDMAT_MEMO_MAX });
  const matches = (group: string): boolean => {
    const known = memo.get(group);
    if (known !== undefined) return known;
    const verdict = decide(group);
    if (group.length <= LIMITS.groupNameMaxBytes) {
      memo.set(group, verdict);
    }
    return verdict;
  };
  return {
    source: parts.join(','),
    matches,
    matchesAny: (groups) => groups.some(matches),
  };
}

/** Matches every group: the filter of a peer added without `groups`. */
export const MATCH_ALL: Wildmat = { source: '*', matches: () => true, matchesAny: () => true };

function tokenize(pattern: string): Tokens {
  const tests: CharTest[] = [];
  const loops: boolean[] = [false];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      loops[tests.length] = true;
      continue;
    }
    if (ch === '?') tests.push(-1);
    else if (ch === '\\') {
      if (i + 1 >= pattern.length) throw new Error(`groups pattern "${pattern}" ends with a lone "\\"`);
      tests.push(pattern.charCodeAt(++i));
    } else if (ch === '[') {
      const negate = pattern[i + 1] === '^';
      const first = i + (negate ? 2 : 1);
      // A `]` right after the opening (or after `^`) is a member, not the end.
      const end = pattern.indexOf(']', first + 1);
      if (first >= pattern.length || end < 0) throw new Error(`groups pattern "${pattern}" has an unclosed "["`);
      tests.push({ negate, ranges: classRanges(pattern, first, end) });
      i = end;
    } else tests.push(pattern.charCodeAt(i));
    loops.push(false);
  }
  return { tests, loops };
}

/** The members of `[...]` between `from` and `end` as lo,hi pairs; `a-z` is a range, a `-` first or last is literal. */
function classRanges(pattern: string, from: number, end: number): number[] {
  const ranges: number[] = [];
  for (let j = from; j < end; j++) {
    const lo = pattern.charCodeAt(j);
    if (pattern[j + 1] === '-' && j + 2 < end) {
      const hi = pattern.charCodeAt(j + 2);
      if (hi < lo) throw new Error(`groups pattern "${pattern}" has a reversed range "${pattern.slice(j, j + 3)}"`);
      ranges.push(lo, hi);
      j += 2;
    } else ranges.push(lo, lo);
  }
  return ranges;
}

function inClass(c: CharClass, code: number): boolean {
  let inside = false;
  for (let r = 0; r < c.ranges.length && !inside; r += 2) inside = code >= c.ranges[r] && code <= c.ranges[r + 1];
  return inside !== c.negate;
}

/** A plain compare for an exact name, `prefix*` or `*`; null when the item needs the NFA. */
function plainTest({ tests, loops }: Tokens): ((name: string) => boolean) | null {
  if (!tests.every((t) => typeof t === 'number' && t >= 0)) return null;
  const text = String.fromCharCode(...(tests as number[]));
  const stars = loops.filter(Boolean).length;
  if (stars === 0) return (name) => name === text;
  if (stars === 1 && loops[tests.length]) return text === '' ? () => true : (name) => name.startsWith(text);
  return null;
}

/**
 * All NFA items of a list side by side in one bit-parallel automaton (Shift-And, `*` a
 * self-loop): item i owns bits off_i..off_i+k_i (bit off_i+j: its first j tests matched).
 * Per char, over 32-bit words: D = ((D << 1) & B[c]) | (D & L). B[c] never holds an item's
 * first bit, so nothing shifts from one item into the next. Cost per name: its length times
 * (list positions / 32) word steps, whatever the pattern; no backtracking exists to exploit.
 */
class Automaton {
  readonly acceptBits: number[] = [];
  private readonly words: number;
  private readonly start: Uint32Array;
  private readonly loop: Uint32Array;
  private readonly any: Uint32Array;
  private readonly literal = new Map<number, Uint32Array>();
  private readonly classes: { bit: number; test: CharClass }[] = [];
  /** B[c] per ASCII code, built on first use (a group name uses ~40 of them). */
  private readonly ascii: (Uint32Array | undefined)[] = new Array(128);
  private readonly state: Uint32Array;
  private readonly scratch: Uint32Array;

  constructor(items: Tokens[]) {
    const bits = items.reduce((n, t) => n + t.tests.length + 1, 0);
    this.words = (bits + 31) >>> 5;
    const vec = () => new Uint32Array(this.words);
    [this.start, this.loop, this.any, this.state, this.scratch] = [vec(), vec(), vec(), vec(), vec()];
    const set = (v: Uint32Array, bit: number) => (v[bit >>> 5] |= 1 << (bit & 31));
    let off = 0;
    for (const { tests, loops } of items) {
      set(this.start, off);
      loops.forEach((l, j) => l && set(this.loop, off + j));
      tests.forEach((t, j) => {
        const bit = off + j + 1;
        if (t === -1) set(this.any, bit);
        else if (typeof t === 'number') {
          let m = this.literal.get(t);
          if (!m) this.literal.set(t, (m = vec()));
          set(m, bit);
        } else this.classes.push({ bit, test: t });
      });
      off += tests.length + 1;
      this.acceptBits.push(off - 1);
    }
  }

  /** The state after reading `name` (a shared vector: read it before the next run). */
  run(name: string): Uint32Array {
    const { words, state, loop } = this;
    state.set(this.start);
    for (let i = 0; i < name.length; i++) {
      const b = this.mask(name.charCodeAt(i));
      let alive = 0;
      // High words first, so each still sees the old value of the word below (its carry).
      for (let w = words - 1; w >= 0; w--) {
        const carry = w > 0 ? state[w - 1] >>> 31 : 0;
        state[w] = (((state[w] << 1) | carry) & b[w]) | (state[w] & loop[w]);
        alive |= state[w];
      }
      if (alive === 0) break;
    }
    return state;
  }

  /** B[c]: the bits of the positions whose test accepts char code c. */
  private mask(code: number): Uint32Array {
    const cached = code < 128 ? this.ascii[code] : undefined;
    if (cached) return cached;
    const m = code < 128 ? new Uint32Array(this.words) : this.scratch;
    m.set(this.any);
    const lit = this.literal.get(code);
    if (lit) for (let w = 0; w < this.words; w++) m[w] |= lit[w];
    for (const { bit, test } of this.classes) if (inClass(test, code)) m[bit >>> 5] |= 1 << (bit & 31);
    if (code < 128) this.ascii[code] = m;
    return m;
  }
}
