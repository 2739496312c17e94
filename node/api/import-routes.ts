/**
 * Importing through the local API (contract addition): `POST /api/import` takes one batch of
 * articles (the CLI cuts a file into batches) through the normal ingest and answers added /
 * present / rejected counts with a reason per rejected article. Exporting is export-routes.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ImportBatchSchema, ImportResultSchema, type ImportResult } from '../../protocol/archive-messages';
import type { Ingest } from '../ingest/ingest';

export interface ImportRoutesOptions {
  ingest: Ingest;
}

export const importRoutes: FastifyPluginAsyncZod<ImportRoutesOptions> = async (app, { ingest }) => {
  app.post('/api/import', { bodyLimit: app.bodyLimits.import, schema: { body: ImportBatchSchema, response: { 200: ImportResultSchema } } }, async (req): Promise<ImportResult> => {
    const results = await ingest.submit(req.body.articles, { kind: 'import' });
    const out: ImportResult = { added: 0, present: 0, rejected: 0, problems: [] };
    for (const r of results) {
      if (r.status === 'accepted') out.added++;
      else if (r.status === 'duplicate') out.present++;
      else {
        out.rejected++;
        out.problems.push({ id: r.id || '(no valid id)', reason: r.reason ?? 'rejected' });
      }
    }
    return out;
  });
};
