/**
 * Posting from a form, shared by new threads and replies: validate with the protocol's
 * schema, post through NodeService, and say either where the new article is or why it was
 * refused (a validation failure, or ingest's reason such as a too large body).
 */
import { isNmError } from '../../node/errors';
import type { NodeService } from '../../node/service';
import { postFromForm, type PostForm } from '../forms';

export type PostOutcome = { ok: true; id: string } | { ok: false; error: string; status: number };

export async function postForm(service: NodeService, newsgroups: string[], form: PostForm): Promise<PostOutcome> {
  const checked = postFromForm(newsgroups, form);
  if (!checked.ok) return { ok: false, error: checked.error, status: 400 };
  try {
    const { id } = await service.post(checked.value);
    return { ok: true, id };
  } catch (err) {
    // Ingest reasons read "body: body is ... bytes"; say the field once.
    if (isNmError(err) && err.statusCode < 500) return { ok: false, error: err.message.replace(/^([\w.-]+): (?=\1\b)/, ''), status: 400 };
    throw err;
  }
}
