/**
 * Block rules (`newsmesh block ...`, `/api/blocks`): the owner's list of articles this node
 * refuses from now on, by group (a wildmat list: blocked when any of the article's groups
 * matches), by `from` (a case-insensitive glob over the whole From value, `*` and `?`), or by
 * signing key (the signer's fingerprint). Matching costs a bounded number of steps per rule
 * whatever the article holds, and no RegExp is ever built from a pattern. Pure: no I/O.
 */
import { z } from 'zod';
import { parseWildmat, wildmatProblem, WILDMAT_MAX_CHARS, type Wildmat } from './wildmat';
import { NodeKeySchema } from './hello-proof';

/** Most rules a node keeps. */
export const BLOCK_RULES_MAX = 1000;
export const BLOCK_PATTERN_MAX_CHARS = 256;
export const BLOCK_REASON_MAX_CHARS = 300;

export const BlockKindSchema = z.enum(['group', 'from', 'key']);
export type BlockKind = z.infer<typeof BlockKindSchema>;

/** `xxxx-xxxx-xxxx-xxxx` as node/identity/fingerprint.ts writes it. */
export const FINGERPRINT_RE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

const printable = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => !/[\x00-\x1f\x7f]/.test(s), `${what} must not contain control characters`);

/** `POST /api/blocks`: what to refuse. For `key`, the pattern is a key (base64url) or a fingerprint. */
export const BlockRuleInputSchema = z
  .strictObject({
    kind: BlockKindSchema,
    pattern: printable('pattern', WILDMAT_MAX_CHARS),
    reason: printable('reason', BLOCK_REASON_MAX_CHARS).optional(),
  })
  .superRefine((r, ctx) => {
    const problem = blockPatternProblem(r.kind, r.pattern);
    if (problem) ctx.addIssue({ code: 'custom', path: ['pattern'], message: problem });
  });
export type BlockRuleInput = z.infer<typeof BlockRuleInputSchema>;

/** A stored rule (`GET /api/blocks` row). Key rules hold the fingerprint. */
export const BlockRuleSchema = z.object({
  id: z.string(),
  kind: BlockKindSchema,
  pattern: z.string(),
  reason: z.string().optional(),
  addedAt: z.string(),
});
export type BlockRule = z.infer<typeof BlockRuleSchema>;

export const BlockParamsSchema = z.object({ id: z.string().min(1).max(64) });

/** Why `pattern` is not a pattern of that kind, or null. */
export function blockPatternProblem(kind: BlockKind, pattern: string): string | null {
  if (kind === 'group') {
    const p = wildmatProblem(pattern);
    return p ? p.replace(/^groups pattern/, 'pattern') : null;
  }
  if (kind === 'from') return pattern.length > BLOCK_PATTERN_MAX_CHARS ? `pattern must be at most ${BLOCK_PATTERN_MAX_CHARS} characters` : null;
  if (FINGERPRINT_RE.test(pattern) || NodeKeySchema.safeParse(pattern).success) return null;
  return 'pattern of a key rule must be a node key (base64url, 43 characters) or its fingerprint (xxxx-xxxx-xxxx-xxxx)';
}

/**
 * `*` any run, `?` one character, everything else itself; whole-string match. The greedy
 * walk with one backtrack point runs in O(text x pattern) at worst (256 x 256 here).
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = p < pattern.length ? pattern.charCodeAt(p) : -1;
    if (c === 42 /* * */) {
      star = p++;
      mark = t;
    } else if (c === 63 /* ? */ || (c >= 0 && c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/** What a block check looks at. */
export interface BlockSubject {
  newsgroups: readonly string[];
  from: string;
  /** Fingerprint of the article's signer, when signed. */
  signerFingerprint?: string;
}

export interface BlockList {
  readonly size: number;
  /** The first rule that refuses the article, or null. */
  match(a: BlockSubject): BlockRule | null;
}

/** Compiles stored rules (key rules must already hold fingerprints). */
export function compileBlockRules(rules: readonly BlockRule[]): BlockList {
  const groups: { rule: BlockRule; wildmat: Wildmat }[] = [];
  const froms: { rule: BlockRule; pattern: string }[] = [];
  const keys = new Map<string, BlockRule>();
  for (const rule of rules) {
    if (rule.kind === 'group') groups.push({ rule, wildmat: parseWildmat(rule.pattern) });
    else if (rule.kind === 'from') froms.push({ rule, pattern: rule.pattern.toLowerCase() });
    else keys.set(rule.pattern, rule);
  }
  return {
    size: rules.length,
    match(a: BlockSubject): BlockRule | null {
      if (a.signerFingerprint !== undefined) {
        const k = keys.get(a.signerFingerprint);
        if (k) return k;
      }
      for (const g of groups) if (g.wildmat.matchesAny(a.newsgroups)) return g.rule;
      if (froms.length > 0) {
        const from = a.from.toLowerCase();
        for (const f of froms) if (globMatches(f.pattern, from)) return f.rule;
      }
      return null;
    },
  };
}

/** The reason an article refused by `rule` is given. */
export function blockReason(rule: BlockRule): string {
  const what = rule.kind === 'group' ? `group rule "${rule.pattern}"` : rule.kind === 'from' ? `from rule "${rule.pattern}"` : `key rule ${rule.pattern}`;
  return `blocked by this node's owner (${what}${rule.reason ? `: ${rule.reason}` : ''})`;
}
