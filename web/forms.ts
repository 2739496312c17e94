/**
 * The HTML forms' bodies (application/x-www-form-urlencoded) as zod schemas, and their
 * translation into the protocol's request schemas (NewPostSchema, AddPeerSchema,
 * StartMirrorSchema). A failure becomes one human sentence for the re-rendered form; the
 * typed values are returned either way so nothing the person typed is lost.
 */
import { z } from 'zod';
import { AddPeerSchema, NewPostSchema, StartMirrorSchema, type AddPeer, type NewPost, type StartMirror } from '../protocol/api';
import { zodProblem } from '../protocol/article';

/** What @fastify/formbody hands over: a field may repeat, then it is an array. */
export const FormBodySchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
export type FormBody = z.infer<typeof FormBodySchema>;

/** One text field: the last value when repeated, '' when absent. */
const field = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (Array.isArray(v) ? (v[v.length - 1] ?? '') : (v ?? '')));

export const PostFormSchema = z.object({ from: field, subject: field, body: field, references: field });
export type PostForm = z.infer<typeof PostFormSchema>;

export const PeerFormSchema = z.object({ url: field, groups: field });
export type PeerForm = z.infer<typeof PeerFormSchema>;

export const MirrorFormSchema = z.object({ peer: field, group: field, follow: field });
export type MirrorForm = z.infer<typeof MirrorFormSchema>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; error: string };

function problem(error: z.ZodError): string {
  const p = zodProblem(error);
  return p.reason.toLowerCase().includes(p.field.split('.')[0].toLowerCase()) ? p.reason : `${p.field}: ${p.reason}`;
}

/** The post form as typed, with browser line endings (CRLF) made plain LF. */
export function readPostForm(body: FormBody): PostForm {
  const f = PostFormSchema.parse(body);
  return { ...f, body: f.body.replace(/\r\n?/g, '\n') };
}

export function postFromForm(newsgroups: string[], f: PostForm): FormResult<NewPost> {
  const references = f.references.split(/\s+/).filter((r) => r.length > 0);
  const parsed = NewPostSchema.safeParse({
    newsgroups,
    from: f.from.trim(),
    subject: f.subject.trim(),
    body: f.body,
    ...(references.length ? { references } : {}),
  });
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: problem(parsed.error) };
}

/** References for a reply to `parent` (shared with `newsmesh reply`). */
export { replyReferences } from '../protocol/article';

export function peerFromForm(f: PeerForm): FormResult<AddPeer> {
  const parsed = AddPeerSchema.safeParse({ url: f.url.trim(), ...(f.groups.trim() ? { groups: f.groups.trim() } : {}) });
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: problem(parsed.error) };
}

export function mirrorFromForm(f: MirrorForm): FormResult<StartMirror> {
  // Several sources (a swarm mirror): separated by spaces, commas or new lines.
  const peers = f.peer.split(/[\s,]+/).filter(Boolean);
  const from = peers.length > 1 ? { peers } : { peer: f.peer.trim() };
  const parsed = StartMirrorSchema.safeParse({ ...from, group: f.group.trim().toLowerCase(), follow: f.follow === 'on' });
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: problem(parsed.error) };
}
