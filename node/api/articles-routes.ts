/**
 * Local JSON API, read and post: groups, group listings, articles, stats and health.
 * Every input is a zod schema from protocol/; the service does the work. The group list is
 * paged by name (`?after=NAME&limit=N`, at most GROUPS_PAGE_MAX a page); a full page carries a
 * `Link: <...>; rel="next"` header to the next one.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ArticleListQuerySchema,
  ArticleParamsSchema,
  GroupInfoSchema,
  GroupListQuerySchema,
  GroupParamsSchema,
  NewPostSchema,
  OverviewSchema,
  PostResultSchema,
  StatsSchema,
} from '../../protocol/api';
import { nextPageLink } from '../group-pages';
import type { NodeService } from '../service';

export interface ApiRoutesOptions {
  service: NodeService;
}

export const articlesRoutes: FastifyPluginAsyncZod<ApiRoutesOptions> = async (app, { service }) => {
  app.get('/healthz', { schema: { response: { 200: z.object({ ok: z.literal(true), name: z.string() }) } } }, async () => ({
    ok: true as const,
    name: service.name,
  }));

  app.get('/api/groups', { schema: { querystring: GroupListQuerySchema, response: { 200: z.array(GroupInfoSchema) } } }, async (req, reply) => {
    const { after, limit } = req.query;
    const groups = await service.listGroups({ after, limit });
    if (groups.length === limit) reply.header('link', nextPageLink('/api/groups', groups[groups.length - 1].name, limit));
    return groups;
  });

  app.get(
    '/api/groups/:group/articles',
    { schema: { params: GroupParamsSchema, querystring: ArticleListQuerySchema, response: { 200: z.array(OverviewSchema) } } },
    (req) => service.listArticles(req.params.group, req.query.after, req.query.limit),
  );

  app.get('/api/articles/:id', { schema: { params: ArticleParamsSchema } }, (req) => service.getArticleWithSigner(req.params.id));

  app.post('/api/articles', { bodyLimit: app.bodyLimits.article, schema: { body: NewPostSchema, response: { 201: PostResultSchema } } }, async (req, reply) => {
    const result = await service.post(req.body);
    return reply.code(201).send(result);
  });

  app.get('/api/stats', { schema: { response: { 200: StatsSchema.passthrough() } } }, () => service.stats());
};
