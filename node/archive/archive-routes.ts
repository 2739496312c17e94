/**
 * Serving group archives on the peer listener: the group list (paged by name like
 * GET /api/groups: `?after=NAME&limit=N`), a group's index from a cursor and bodies by id (SENDME). Reads go through the store's indexes only, in bounded pages; the
 * SENDME answer is cut at LIMITS.sendmeReplyBytes and names the rest in `more`. Every route is
 * rate limited per client address and checked against `--public-read`; SENDME bodies are
 * also capped for all clients together by `--serve-rate` (serve-rate.ts: paced, then 429).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LIMITS } from '../../protocol/limits';
import { GroupListQuerySchema, GroupParamsSchema } from '../../protocol/api';
import { groupsPage, nextPageLink } from '../group-pages';
import { PeerGroupsReplySchema, SendmeSchema } from '../../protocol/peer-messages';
import { ArchiveIndexReplySchema, ArchiveSendmeReplySchema, IndexQuerySchema } from '../../protocol/archive-messages';
import { utf8Bytes } from '../../protocol/text-rules';
import type { Article } from '../../protocol/article';
import { NmError, notFound } from '../errors';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import type { ReadCheck } from './read-access';
import type { ServeRate } from './serve-rate';
import type { Clock } from '../clock';

export interface ArchiveRoutesOptions {
  store: Store;
  metrics: Metrics;
  check: ReadCheck;
  /** Requests per client address per `rateWindowMs` (default 1200 per 10 s: a mirror at
   *  24,000 articles/s in SENDMEs of 200 stays under it). */
  rateMax?: number;
  rateWindowMs?: number;
  /** `--serve-rate`: bodies per second over all SENDMEs (absent: unlimited). */
  serveRate?: { bucket: ServeRate; clock: Clock };
}

/** A cheap upper estimate of an article's JSON size (no second stringify of every body). */
export function approxArticleBytes(a: Article): number {
  let n = utf8Bytes(a.body) * 1.1 + a.subject.length * 2 + a.from.length * 2 + 200;
  for (const r of a.references) n += r.length + 3;
  for (const p of a.path) n += p.length + 3;
  for (const [k, v] of Object.entries(a.headers ?? {})) n += k.length + v.length * 2 + 6;
  return n;
}

export const archiveRoutes: FastifyPluginAsyncZod<ArchiveRoutesOptions> = async (app, opts) => {
  const { store, metrics, check } = opts;
  await app.register(rateLimit, { max: opts.rateMax ?? 1200, timeWindow: opts.rateWindowMs ?? 10_000 });
  app.addHook('onRequest', async (req) => check(req.headers.authorization));

  app.get('/v1/groups', { schema: { querystring: GroupListQuerySchema, response: { 200: PeerGroupsReplySchema } } }, async (req, reply) => {
    const { after, limit } = req.query;
    const groups = await groupsPage(store, { after, limit });
    if (groups.length === limit) reply.header('link', nextPageLink('/v1/groups', groups[groups.length - 1].name, limit));
    return groups.map(({ name, count, low, high }) => ({ name, count, low, high }));
  });

  app.get(
    '/v1/groups/:group/index',
    { schema: { params: GroupParamsSchema, querystring: IndexQuerySchema, response: { 200: ArchiveIndexReplySchema } } },
    async (req) => {
      const meta = await store.group(req.params.group);
      if (!meta) throw notFound(`group ${req.params.group}`);
      const entries = await store.groupIndex(req.params.group, req.query.after, req.query.limit);
      return { entries: entries.map(({ n, id }) => ({ n, id })), high: meta.high, count: meta.count };
    },
  );

  app.post('/v1/sendme', { bodyLimit: app.bodyLimits.ids, schema: { body: SendmeSchema, response: { 200: ArchiveSendmeReplySchema } } }, async (req, reply) => {
    const ids = req.body.ids;
    const stored = await store.getManyStored(ids);
    const articles: Article[] = [];
    const more: string[] = [];
    let bytes = 0;
    for (let i = 0; i < ids.length; i++) {
      const s = stored[i];
      if (!s) continue;
      const size = approxArticleBytes(s.article);
      if (articles.length > 0 && bytes + size > LIMITS.sendmeReplyBytes) {
        more.push(ids[i]);
        continue;
      }
      bytes += size;
      articles.push(s.article);
    }
    if (opts.serveRate?.bucket.limited && articles.length > 0) {
      const { bucket, clock } = opts.serveRate;
      const d = bucket.take(articles.length);
      if (!d.ok) {
        reply.header('retry-after', String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))));
        throw new NmError('NM_ERR_RATE_LIMIT', `this node serves at most ${opts.serveRate.bucket.rate} archive articles/s (--serve-rate); retry later`);
      }
      // What the bucket did not grant is named in `more`, in order, like the byte cut.
      if (d.granted < articles.length) {
        const cut = articles.splice(d.granted);
        const rest = new Set(more);
        more.length = 0;
        const cutIds = new Set(cut.map((a) => a.id));
        for (const id of ids) if (cutIds.has(id) || rest.has(id)) more.push(id);
      }
      if (d.waitMs > 0) await clock.sleep(d.waitMs);
    }
    metrics.articlesSent += articles.length;
    return more.length > 0 ? { articles, more } : { articles };
  });
};
