/**
 * Local JSON API of the reading part: `GET /api/search?q=&group=&limit=&offset=&sort=`
 * (the contract's search), `GET /api/search/status` (the index's progress), and what is new
 * for the owner: `GET /api/unread` (per group), `GET /api/unread/GROUP?new=true` (threads
 * with unread articles: what `newsmesh threads GROUP --new` lists) and
 * `POST /api/unread/GROUP { upTo? }` (mark read).
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  GroupOnlyParamsSchema,
  MarkReadSchema,
  SearchHitSchema,
  SearchIndexStatusSchema,
  SearchQuerySchema,
  UnreadGroupSchema,
  UnreadThreadSchema,
  UnreadThreadsQuerySchema,
} from '../../protocol/reading';
import { notFound } from '../errors';
import type { ReadingService } from '../feature-services';

export interface ReadingRoutesOptions {
  reading: ReadingService;
}

export const readingRoutes: FastifyPluginAsyncZod<ReadingRoutesOptions> = async (app, { reading }) => {
  app.get('/api/search', { schema: { querystring: SearchQuerySchema, response: { 200: z.array(SearchHitSchema) } } }, async (req) => {
    return (await reading.search(req.query)).hits;
  });

  app.get('/api/search/status', { schema: { response: { 200: SearchIndexStatusSchema } } }, () => reading.searchStatus());

  app.get('/api/unread', { schema: { response: { 200: z.array(UnreadGroupSchema) } } }, () => reading.unread());

  app.get(
    '/api/unread/:group',
    { schema: { params: GroupOnlyParamsSchema, querystring: UnreadThreadsQuerySchema, response: { 200: z.array(UnreadThreadSchema) } } },
    async (req) => {
      if (!(await reading.unreadIn(req.params.group))) throw notFound(`group ${req.params.group}`);
      return reading.threads(req.params.group, { limit: req.query.limit, before: req.query.before, onlyNew: req.query.new === 'true' });
    },
  );

  app.post('/api/unread/:group', { schema: { params: GroupOnlyParamsSchema, body: MarkReadSchema.optional(), response: { 200: UnreadGroupSchema } } }, async (req) => {
    if (!(await reading.unreadIn(req.params.group))) throw notFound(`group ${req.params.group}`);
    await reading.markAllRead(req.params.group, req.body?.upTo);
    return (await reading.unreadIn(req.params.group))!;
  });
};
