/**
 * Exporting through the local API (contract addition): `GET /api/groups/GROUP/export` streams
 * a group as mboxrd or JSON lines, paging through the group index so memory stays flat.
 * Importing is import-routes.ts.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GroupParamsSchema } from '../../protocol/api';
import { ExportQuerySchema } from '../../protocol/archive-messages';
import { renderMboxMessage } from '../../protocol/mbox';
import { renderJsonLine } from '../../protocol/jsonl';
import type { Article } from '../../protocol/article';
import { notFound } from '../errors';
import type { Store } from '../store/store';

export interface ExportRoutesOptions {
  store: Store;
  /** Articles read per page while exporting. */
  pageSize?: number;
}

async function readPage(store: Store, group: string, after: number, pageSize: number) {
  const entries = await store.groupIndex(group, after, pageSize);
  const stored = entries.length > 0 ? await store.getManyStored(entries.map((e) => e.id)) : [];
  return { lastN: entries.length > 0 ? entries[entries.length - 1].n : after, stored };
}

/**
 * Every article of a group in number order, rendered, one page of text at a time. The next
 * page is read from the store while the current one is rendered and sent.
 */
export async function* exportGroup(store: Store, group: string, format: 'mbox' | 'jsonl', pageSize = 1000): AsyncGenerator<Buffer> {
  const render: (a: Article) => string = format === 'mbox' ? renderMboxMessage : renderJsonLine;
  let next = readPage(store, group, 0, pageSize);
  for (;;) {
    const page = await next;
    if (page.stored.length === 0) return;
    next = readPage(store, group, page.lastN, pageSize);
    // Surfaced by the await above on the next turn; a client that hangs up leaves it unawaited.
    next.catch(() => undefined);
    // One flat buffer per page: a string grown by += is a rope that the socket write would
    // flatten and encode again.
    const parts: string[] = [];
    for (const s of page.stored) if (s) parts.push(render(s.article));
    yield Buffer.from(parts.join(''), 'utf8');
  }
}

export const exportRoutes: FastifyPluginAsyncZod<ExportRoutesOptions> = async (app, { store, pageSize }) => {
  app.get('/api/groups/:group/export', { schema: { params: GroupParamsSchema, querystring: ExportQuerySchema } }, async (req, reply) => {
    const { group } = req.params;
    if (!(await store.group(group))) throw notFound(`group ${group}`);
    const { format } = req.query;
    reply
      .type(format === 'mbox' ? 'application/mbox; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${group}.${format === 'mbox' ? 'mbox' : 'jsonl'}"`);
    return reply.send(Readable.from(exportGroup(store, group, format, pageSize)));
  });
};
