/**
 * Local JSON API of takedown (issue 12): the owner removes an article on this node
 * (`DELETE /api/articles/:id { reason }`), sends a cancel (`POST /api/articles/:id/cancel
 * { key? }`), lists removals (`GET /api/removals`, newest first, paged by a `before` cursor
 * with a `Link: rel="next"` header), the articles posted here with their Cancel-Keys
 * (`GET /api/posted`) and the block rules (`/api/blocks`). The work is the TakedownService's.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ArticleParamsSchema } from '../../protocol/api';
import { BlockParamsSchema, BlockRuleInputSchema, BlockRuleSchema } from '../../protocol/block-rules';
import { CancelPostSchema, CancelResultSchema, PostedSchema, RemovalSchema, RemovalsQuerySchema, RemoveRequestSchema } from '../../protocol/takedown';
import type { TakedownService } from './takedown-service';

export interface TakedownRoutesOptions {
  takedown: TakedownService;
}

const nextLink = (path: string, next: string | null, limit: number) => (next ? `<${path}?before=${next}&limit=${limit}>; rel="next"` : null);

export const takedownRoutes: FastifyPluginAsyncZod<TakedownRoutesOptions> = async (app, { takedown }) => {
  app.delete('/api/articles/:id', { schema: { params: ArticleParamsSchema, body: RemoveRequestSchema, response: { 200: RemovalSchema } } }, (req) =>
    takedown.remove(req.params.id, req.body.reason),
  );

  app.post('/api/articles/:id/cancel', { schema: { params: ArticleParamsSchema, body: CancelPostSchema, response: { 201: CancelResultSchema } } }, async (req, reply) => {
    const result = await takedown.cancel(req.params.id, req.body.key);
    return reply.code(201).send(result);
  });

  app.get('/api/removals', { schema: { querystring: RemovalsQuerySchema, response: { 200: z.array(RemovalSchema) } } }, async (req, reply) => {
    const page = await takedown.removals(req.query.limit, req.query.before);
    const link = nextLink('/api/removals', page.next, req.query.limit);
    if (link) reply.header('link', link);
    return page.rows;
  });

  app.get('/api/posted', { schema: { querystring: RemovalsQuerySchema, response: { 200: z.array(PostedSchema) } } }, async (req, reply) => {
    const page = await takedown.posted(req.query.limit, req.query.before);
    const link = nextLink('/api/posted', page.next, req.query.limit);
    if (link) reply.header('link', link);
    return page.rows;
  });

  app.get('/api/blocks', { schema: { response: { 200: z.array(BlockRuleSchema) } } }, () => takedown.blocks());

  app.post('/api/blocks', { schema: { body: BlockRuleInputSchema, response: { 201: BlockRuleSchema } } }, async (req, reply) => reply.code(201).send(await takedown.addBlock(req.body)));

  app.delete('/api/blocks/:id', { schema: { params: BlockParamsSchema, response: { 200: BlockRuleSchema } } }, (req) => takedown.removeBlock(req.params.id));
};
