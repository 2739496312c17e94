/**
 * Wildmat group patterns (RFC 3977 section 4), as INN uses them for feeds: a comma-separated
 * list such as `comp.*,!comp.test.*`. Patterns are tried left to right and the LAST one that
 * matches decides (a `!` pattern excludes); a name no pattern matches is excluded.
 * Supported: `*`, `?`, `[...]`/`[^...]` classes and `\` escapes. Pure: no I/O.
 */
export interface Wildmat {
  /** The pattern list as given (normalised: trimmed, no empty items). */
  readonly source: string;
  matches(group: string): boolean;
  /** True when any of the groups matches (how a crossposted article is fed). */
  matchesAny(groups: readonly string[]): boolean;
}

interface Item {
  negate: boolean;
  re: RegExp;
}

export const WILDMAT_MAX_CHARS = 2048;
export const WILDMAT_MAX_ITEMS = 100;

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
  const items: Item[] = parts.map((p) => {
    const negate = p.startsWith('!');
    const body = negate ? p.slice(1) : p;
    if (body.length === 0) throw new Error(`groups pattern "${p}" is empty after "!"`);
    return { negate, re: new RegExp(`^${toRegexSource(body)}$`) };
  });
  const matches = (group: string): boolean => {
    let result = false;
    for (const it of items) if (it.re.test(group)) result = !it.negate;
    return result;
  };
  return {
    source: parts.join(','),
    matches,
    matchesAny: (groups) => groups.some(matches),
  };
}

/** Matches every group: the filter of a peer added without `groups`. */
export const MATCH_ALL: Wildmat = { source: '*', matches: () => true, matchesAny: () => true };

function toRegexSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '\\') {
      if (i + 1 >= pattern.length) throw new Error(`groups pattern "${pattern}" ends with a lone "\\"`);
      out += escapeRe(pattern[++i]);
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`groups pattern "${pattern}" has an unclosed "["`);
      let cls = pattern.slice(i + 1, end);
      const neg = cls.startsWith('^');
      if (neg) cls = cls.slice(1);
      out += `[${neg ? '^' : ''}${cls.replace(/[\\\]^]/g, (c) => `\\${c}`)}]`;
      i = end;
    } else out += escapeRe(ch);
  }
  return out;
}

function escapeRe(ch: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(ch) ? `\\${ch}` : ch;
}
