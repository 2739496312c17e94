/**
 * Local JSON API for reading by thread (added for `newsmesh threads`): `GET
 * /api/groups/GROUP/threads?limit=N&before=LASTN` lists a group's threads by newest activity,
 * paged by the activity cursor like the group page, so any page costs one short index read.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GroupParamsSchema, ThreadInfoSchema, ThreadListQuerySchema } from '../../protocol/api';
import { notFound } from '../errors';
import type { NodeService } from '../service';

export const threadsRoutes: FastifyPluginAsyncZod<{ service: NodeService }> = async (app, { service }) => {
  app.get(
    '/api/groups/:group/threads',
    { schema: { params: GroupParamsSchema, querystring: ThreadListQuerySchema, response: { 200: z.array(ThreadInfoSchema) } } },
    async (req) => {
      if (!(await service.group(req.params.group))) throw notFound(`group ${req.params.group}`);
      return service.listThreads(req.params.group, req.query.limit, req.query.before);
    },
  );
};
