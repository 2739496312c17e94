/**
 * The mirror's side of the archive routes: group list, index pages and SENDME against one
 * peer URL, over gossip's Transport. Answers are checked with the protocol schemas; failures
 * become MirrorFetchError marked `permanent` (the job fails: no such group, not allowed) or
 * not (the job backs off and retries: unreachable, 5xx, 429, garbage).
 */
import { ArchiveIndexReplySchema, ArchiveSendmeReplySchema, type ArchiveIndexReply } from '../../protocol/archive-messages';
import { PeerGroupsReplySchema } from '../../protocol/peer-messages';
import type { z } from 'zod';
import { parseJson, REPLY_CAPS, TransportError, type Transport } from '../net/transport';

export class MirrorFetchError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
    /** The HTTP status the peer answered, absent when it could not be reached. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MirrorFetchError';
  }
}

export interface ArchiveClientInit {
  url: string;
  token?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

function errorMessage(text: string): string | undefined {
  const body = parseJson(text) as { error?: { message?: unknown } } | undefined;
  return typeof body?.error?.message === 'string' ? body.error.message : undefined;
}

export class ArchiveClient {
  constructor(
    private readonly transport: Transport,
    private readonly init: ArchiveClientInit,
  ) {}

  /** One page of the peer's group list (name order), after `after` when given. */
  groups(after?: string) {
    const path = after === undefined ? '/v1/groups' : `/v1/groups?after=${encodeURIComponent(after)}`;
    return this.call('GET', path, undefined, PeerGroupsReplySchema, REPLY_CAPS.groups);
  }

  index(group: string, after: number, limit: number): Promise<ArchiveIndexReply> {
    return this.call('GET', `/v1/groups/${encodeURIComponent(group)}/index?after=${after}&limit=${limit}`, undefined, ArchiveIndexReplySchema, REPLY_CAPS.index, group);
  }

  sendme(ids: string[]) {
    return this.call('POST', '/v1/sendme', JSON.stringify({ ids }), ArchiveSendmeReplySchema, REPLY_CAPS.sendme);
  }

  /** `maxBytes`: the most of the peer's answer read (REPLY_CAPS, by route). */
  private async call<S extends z.ZodType>(method: 'GET' | 'POST', path: string, body: string | undefined, schema: S, maxBytes: number, group?: string): Promise<z.infer<S>> {
    const { url } = this.init;
    let res;
    try {
      res = await this.transport.request({ url, method, path, body, token: this.init.token, timeoutMs: this.init.timeoutMs ?? 30_000, signal: this.init.signal, maxBytes });
    } catch (err) {
      if (err instanceof TransportError) throw new MirrorFetchError(`peer ${url} unreachable: ${err.message}`, false);
      throw err;
    }
    if (res.status === 404 && group !== undefined) {
      const why = errorMessage(res.text);
      throw new MirrorFetchError(`peer ${url} does not have group ${group}${why ? ` (${why})` : ''}`, true, undefined, 404);
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      throw new MirrorFetchError(`peer ${url} refused ${method} ${path.split('?')[0]}: ${errorMessage(res.text) ?? `HTTP ${res.status}`}`, true, undefined, res.status);
    }
    if (res.status !== 200) {
      throw new MirrorFetchError(`peer ${url} answered HTTP ${res.status} to ${method} ${path.split('?')[0]}: ${errorMessage(res.text) ?? ''}`.trim(), false, res.retryAfterMs, res.status);
    }
    const parsed = schema.safeParse(parseJson(res.text));
    if (!parsed.success) throw new MirrorFetchError(`peer ${url} sent a malformed answer to ${method} ${path.split('?')[0]}`, false, undefined, res.status);
    return parsed.data;
  }
}
