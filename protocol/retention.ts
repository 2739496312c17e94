/**
 * Retention rules (`newsmesh start --retain RULES`): which articles a node keeps, by group.
 * RULES is a comma-separated list of `PATTERN=LIMIT`; PATTERN is one wildmat item (`comp.*`,
 * `*`), LIMIT an age (`90d`, `12h`, `1y`: articles accepted longer ago go), a size (`10GB`:
 * the groups this rule covers together keep at most that many bytes, oldest go first), or
 * `forever`. For each group the FIRST rule of each kind whose pattern matches decides, so
 * `comp.*=90d,*=365d` keeps comp.* for 90 days and everything else a year; a `forever` rule
 * that matches first stops both kinds. Pure: no I/O.
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { parseWildmat, WILDMAT_MAX_CHARS, WILDMAT_MAX_ITEM_CHARS, WILDMAT_MAX_ITEMS, type Wildmat } from './wildmat';

export interface RetentionRule {
  /** The rule as written, for messages and the status page. */
  text: string;
  pattern: string;
  kind: 'age' | 'size' | 'forever';
  /** Age limit in ms (kind age). */
  ms?: number;
  /** Byte limit of the rule's pool (kind size). */
  bytes?: number;
}

/** What applies to one group: its age limit, and the size pool (a rule's index) it counts in. */
export interface GroupRetention {
  maxAgeMs: number | null;
  pool: number | null;
  /** The text of the rules that decided, for reasons ("comp.*=90d"). */
  ageRule?: string;
  sizeRule?: string;
}

export interface RetentionPolicy {
  readonly rules: readonly RetentionRule[];
  /** The rules as given, normalised (trimmed, no empty items); '' when there are none. */
  readonly source: string;
  /** True when no rule limits anything (nothing ever expires). */
  readonly keepsAll: boolean;
  forGroup(group: string): GroupRetention;
}

const AGE_UNITS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3, tb: 1024 ** 4, tib: 1024 ** 4 };
/** Longest age a rule may name (so ms arithmetic stays exact). */
export const RETENTION_MAX_AGE_MS = 1000 * AGE_UNITS.y;
export const RETENTION_MAX_BYTES = 1024 ** 5;
const MEMO_MAX = 512;

const LIMIT_RE = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i;

/** Parses one LIMIT; throws an Error naming what is wrong. */
function parseLimit(value: string): Pick<RetentionRule, 'kind' | 'ms' | 'bytes'> {
  if (value.toLowerCase() === 'forever') return { kind: 'forever' };
  const m = LIMIT_RE.exec(value);
  const unit = m?.[2].toLowerCase();
  const n = m ? Number(m[1]) : NaN;
  if (m && unit !== undefined && unit in AGE_UNITS) {
    const ms = Math.round(n * AGE_UNITS[unit]);
    if (ms < 1000) throw new Error(`"${value}" is shorter than one second`);
    if (ms > RETENTION_MAX_AGE_MS) throw new Error(`"${value}" is longer than 1000 years`);
    return { kind: 'age', ms };
  }
  if (m && unit !== undefined && unit in SIZE_UNITS) {
    const bytes = Math.round(n * SIZE_UNITS[unit]);
    if (bytes < 1) throw new Error(`"${value}" is less than one byte`);
    if (bytes > RETENTION_MAX_BYTES) throw new Error(`"${value}" is more than 1024 TB`);
    return { kind: 'size', bytes };
  }
  throw new Error(`"${value}" is not an age (30s, 15min, 12h, 90d, 2w, 1y), a size (500MB, 10GB; 1KB = 1024 bytes) or "forever"`);
}

/** Parses RULES; throws an Error whose message names the rule and what is wrong with it. */
export function parseRetention(text: string): RetentionPolicy {
  if (text.length > WILDMAT_MAX_CHARS) throw new Error(`is longer than ${WILDMAT_MAX_CHARS} characters`);
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length > WILDMAT_MAX_ITEMS) throw new Error(`has more than ${WILDMAT_MAX_ITEMS} rules`);
  const rules: RetentionRule[] = [];
  const matchers: Wildmat[] = [];
  items.forEach((item, i) => {
    const where = `rule ${i + 1} "${item.length > 60 ? `${item.slice(0, 60)}…` : item}"`;
    const eq = item.lastIndexOf('=');
    if (eq <= 0 || eq === item.length - 1) throw new Error(`${where} must be PATTERN=LIMIT, e.g. comp.*=90d or *=10GB`);
    const pattern = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (pattern.startsWith('!')) throw new Error(`${where}: a pattern cannot start with "!" (write a rule with "forever" to keep groups)`);
    if (pattern.length > WILDMAT_MAX_ITEM_CHARS) throw new Error(`${where}: the pattern is longer than ${WILDMAT_MAX_ITEM_CHARS} characters`);
    try {
      matchers.push(parseWildmat(pattern));
      rules.push({ text: `${pattern}=${value}`, pattern, ...parseLimit(value) });
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message.replace(/^groups pattern/, 'the pattern')}`);
    }
  });
  return compile(rules, matchers);
}

function compile(rules: RetentionRule[], matchers: Wildmat[]): RetentionPolicy {
  const memo = new Map<string, GroupRetention>();
  const decide = (group: string): GroupRetention => {
    const out: GroupRetention = { maxAgeMs: null, pool: null };
    let ageDone = false;
    let sizeDone = false;
    for (let i = 0; i < rules.length && !(ageDone && sizeDone); i++) {
      const r = rules[i];
      if (!matchers[i].matches(group)) continue;
      if (r.kind === 'forever') {
        ageDone = sizeDone = true;
      } else if (r.kind === 'age' && !ageDone) {
        out.maxAgeMs = r.ms!;
        out.ageRule = r.text;
        ageDone = true;
      } else if (r.kind === 'size' && !sizeDone) {
        out.pool = i;
        out.sizeRule = r.text;
        sizeDone = true;
      }
    }
    return out;
  };
  return {
    rules,
    source: rules.map((r) => r.text).join(','),
    keepsAll: rules.every((r) => r.kind === 'forever'),
    forGroup(group: string): GroupRetention {
      const known = memo.get(group);
      if (known) return known;
      const r = decide(group);
      if (group.length <= LIMITS.groupNameMaxBytes) {
        if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
        memo.set(group, r);
      }
      return r;
    },
  };
}

/** No rules: everything is kept (the default). */
export const KEEP_ALL: RetentionPolicy = compile([], []);

/** `--retain RULES` as a config field: a bad value names the flag, the rule and the reason. */
export const RetentionRulesSchema = z.string().transform((text, ctx): RetentionPolicy => {
  try {
    return parseRetention(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `--retain ${(err as Error).message}` });
    return z.NEVER;
  }
});

/** "90 days", "12 hours": an age limit as a person reads it. */
export function describeAge(ms: number): string {
  for (const [size, name] of [[AGE_UNITS.y, 'year'], [AGE_UNITS.w, 'week'], [AGE_UNITS.d, 'day'], [AGE_UNITS.h, 'hour'], [AGE_UNITS.min, 'minute']] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  }
  return `${ms / 1000} second${ms === 1000 ? '' : 's'}`;
}
