/**
 * The article: its zod schema (the wire and store format), the rules of DESIGN.md's Article
 * table, and the one validation entry point every ingest path uses. Rules that depend on the
 * node (clock, body limit) take them as arguments, so this module stays pure.
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { MessageIdSchema } from './message-id';
import { GroupNameSchema } from './group-name';
import { NodeNameSchema } from './node-name';
import { controlCharProblem, isSingleLine, loneSurrogateProblem, utf8Bytes } from './text-rules';
import { ArticleSignatureShape, signaturePairProblem } from './article-signature';

/** Header text: no CR/LF and no other control characters (TAB is allowed). */
const headerText = <T extends z.ZodString>(schema: T, what: string, one = what) =>
  schema.refine(isSingleLine, `${what} must not contain CR or LF`).superRefine((s, ctx) => {
    const problem = isSingleLine(s) ? (controlCharProblem(s) ?? loneSurrogateProblem(s)) : null;
    if (problem) ctx.addIssue({ code: 'custom', message: `${one} ${problem}` });
  });

const singleLine = (field: string, max: number) =>
  headerText(z.string().min(1, `${field} must not be empty`).max(max, `${field} must be at most ${max} characters`), field);

export const FromSchema = singleLine('from', LIMITS.fromMaxChars);
export const SubjectSchema = singleLine('subject', LIMITS.subjectMaxChars);

/** Body: any UTF-8 text; its byte limit is a node rule (checkArticleRules). */
export const BodySchema = z.string().superRefine((s, ctx) => {
  const problem = loneSurrogateProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `body ${problem}` });
});

/** ISO 8601 in UTC with a `Z` (milliseconds optional). */
export const DateSchema = z.iso.datetime({ message: 'date must be ISO 8601 UTC, e.g. 2026-01-31T12:00:00Z' });

export const HeaderNameSchema = z
  .string()
  .min(1)
  .max(LIMITS.headerNameMaxBytes)
  .regex(/^[A-Za-z0-9-]+$/, 'header names must be letters, digits and "-"');

export const HeaderValueSchema = headerText(
  z.string().max(LIMITS.headerValueMaxChars, `header values must be at most ${LIMITS.headerValueMaxChars} characters`),
  'header values',
  'header value',
);

export const HeadersSchema = z
  .record(HeaderNameSchema, HeaderValueSchema)
  .refine((h) => Object.keys(h).length <= LIMITS.headersMax, `at most ${LIMITS.headersMax} headers`);

export const NewsgroupsSchema = z
  .array(GroupNameSchema)
  .min(LIMITS.newsgroupsMin, 'newsgroups needs at least one group')
  .max(LIMITS.newsgroupsMax, `newsgroups takes at most ${LIMITS.newsgroupsMax} groups`);

export const ReferencesSchema = z
  .array(MessageIdSchema)
  .max(LIMITS.referencesMax, `references takes at most ${LIMITS.referencesMax} ids`);

/** Structural check only; body size and date window are node rules (see checkArticleRules). */
export const ArticleSchema = z.strictObject({
  id: MessageIdSchema,
  newsgroups: NewsgroupsSchema,
  from: FromSchema,
  subject: SubjectSchema,
  date: DateSchema,
  references: ReferencesSchema.default([]),
  path: z.array(NodeNameSchema).max(LIMITS.pathMax, `path takes at most ${LIMITS.pathMax} names`).default([]),
  headers: HeadersSchema.optional(),
  body: BodySchema,
  /** Signed articles (article-signature.ts): both or neither; checked by the node that first accepts it. */
  ...ArticleSignatureShape,
});

export type Article = z.infer<typeof ArticleSchema>;
/** What the wire may carry before defaults are applied. */
export type ArticleInput = z.input<typeof ArticleSchema>;

/** Node-dependent limits for the article rules. */
export interface ArticleRuleContext {
  nowMs: number;
  maxBodyBytes: number;
}

/** A rule failure: the field it concerns and a human sentence. */
export interface ArticleProblem {
  field: string;
  reason: string;
}

/** The rules that depend on the node (body size, the future-date window), and the signature pair. */
export function checkArticleRules(a: Pick<Article, 'body' | 'date'> & Partial<Pick<Article, 'signature' | 'signer'>>, ctx: ArticleRuleContext): ArticleProblem | null {
  const pair = signaturePairProblem(a);
  if (pair) return pair;
  const bytes = utf8Bytes(a.body);
  if (bytes > ctx.maxBodyBytes) return { field: 'body', reason: `body is ${bytes} bytes, more than the limit of ${ctx.maxBodyBytes}` };
  if (Date.parse(a.date) > ctx.nowMs + LIMITS.futureSkewMs) return { field: 'date', reason: 'date is more than 24 hours in the future' };
  return null;
}

/**
 * A field as the person wrote it: `newsgroups`, not `newsgroups.0` (the rule's message names
 * the bad item); record keys stay (`headers.X-Note`), and so do indices inside a path
 * (`articles.3.subject`), where they say which item of a batch.
 */
export function fieldLabel(path: readonly PropertyKey[]): string {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] === 'number') end--;
  return end > 0 ? path.slice(0, end).map(String).join('.') : '(root)';
}

/** Turns the first zod issue into a field + reason pair. */
export function zodProblem(error: z.ZodError): ArticleProblem {
  const issue = error.issues[0];
  const field = fieldLabel(issue.path);
  // A bad record key (header name) carries the rule in its inner issue, not in "Invalid key".
  const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
  return { field, reason: inner ?? issue.message };
}

export type ArticleCheck = { ok: true; article: Article } | { ok: false; problem: ArticleProblem };

/** The single validation entry point for any article, whatever path it came by. */
export function validateArticle(input: unknown, ctx: ArticleRuleContext): ArticleCheck {
  const parsed = ArticleSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problem: zodProblem(parsed.error) };
  const problem = checkArticleRules(parsed.data, ctx);
  return problem ? { ok: false, problem } : { ok: true, article: parsed.data };
}

/** Best-effort id of something that failed validation, so it can be remembered as rejected. */
export function claimedId(input: unknown): string | undefined {
  if (input && typeof input === 'object' && 'id' in input) {
    const id = (input as { id: unknown }).id;
    if (typeof id === 'string' && MessageIdSchema.safeParse(id).success) return id;
  }
  return undefined;
}

/** The thread root of an article: the first reference, or the article itself. */
export function threadRoot(a: Pick<Article, 'id' | 'references'>): string {
  return a.references.length > 0 ? a.references[0] : a.id;
}

/** References of a reply to `parent`: its own plus its id, the first kept when over the limit. */
export function replyReferences(parent: Pick<Article, 'id' | 'references'>): string[] {
  const refs = [...parent.references, parent.id];
  return refs.length <= LIMITS.referencesMax ? refs : [refs[0], ...refs.slice(refs.length - LIMITS.referencesMax + 1)];
}

/** The subject of a reply: `Re: ` once, however many times the thread was answered. */
export function replySubject(subject: string): string {
  return /^re:\s/i.test(subject) ? subject : `Re: ${subject}`.slice(0, LIMITS.subjectMaxChars);
}

/** The direct parent: the last reference. */
export function parentId(a: Pick<Article, 'references'>): string | undefined {
  return a.references.length > 0 ? a.references[a.references.length - 1] : undefined;
}
