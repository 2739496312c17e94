/**
 * Reading pages: `/` (groups, paged by name with `?after=NAME` / `?before=NAME`; one page is
 * ordered by latest activity when it holds every group, by name when the list spans pages),
 * `/go` (open or start a group by name), `/g/GROUP` (threads by latest activity, paged by the
 * activity cursor so any page costs one short index range read) and `/status` (identity and
 * counters). Group pages are cached while the group is unchanged.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GroupParamsSchema } from '../../protocol/api';
import { groupNameProblem } from '../../protocol/group-name';
import { LIMITS } from '../../protocol/limits';
import type { NodeService } from '../../node/service';
import { PAGE_CACHE_WINDOW_MS, PageCache } from '../page-cache';
import { renderPage, sendHtml, sendPage, type PageDeps } from '../page';
import { groupUrl } from '../views';
import { ChartCache } from '../status-charts';

/** Stands for the CSRF token in cached group pages; each answer gets a fresh token. */
const CSRF_SLOT = '__NM_CSRF_SLOT__';

/** Threads per group page. */
export const THREADS_PER_PAGE = 50;
/** Groups per page of the home page. */
export const GROUPS_PER_PAGE = 100;

const cursor = z.string().max(LIMITS.groupNameMaxBytes).optional();
const HomeQuerySchema = z.object({ after: cursor, before: cursor });
const GoQuerySchema = z.object({ group: z.string().max(1000).optional().default('') });
const GroupQuerySchema = z.object({ before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional() });

const COUNTER_LABELS: [string, string][] = [
  ['articles', 'Articles stored'],
  ['groups', 'Groups'],
  ['articlesAccepted', 'Articles accepted'],
  ['articlesReceived', 'Bodies received'],
  ['articlesDuplicate', 'Duplicates'],
  ['articlesRejected', 'Rejected'],
  ['ihaveReceived', 'IHAVE ids received'],
  ['sendmeSent', 'SENDME ids sent'],
  ['ihaveSent', 'IHAVE ids sent'],
  ['articlesSent', 'Bodies sent'],
];

export const readRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  const { service } = deps;

  app.get('/', { schema: { querystring: HomeQuerySchema } }, async (req, reply) => {
    const page = await homePage(service, req.query);
    const unread = service.reading ? Object.fromEntries((await service.reading.unread()).map((u) => [u.group, u.unread])) : null;
    const unreadTotal = unread ? Object.values(unread).reduce((a, b) => a + b, 0) : 0;
    return sendPage(deps, reply, 'home.njk', { nav: 'groups', ...page, goGroup: '', unread, unreadTotal });
  });

  app.get('/go', { schema: { querystring: GoQuerySchema } }, async (req, reply) => {
    const name = req.query.group.trim().toLowerCase();
    const problem = groupNameProblem(name);
    if (problem) {
      const page = await homePage(service, {});
      return sendPage(deps, reply, 'home.njk', { nav: 'groups', ...page, goGroup: req.query.group, goError: `That is not a group name: a group name ${problem}.` }, 400);
    }
    return reply.code(303).header('location', groupUrl(name)).send();
  });

  const cache = new PageCache(deps.groupPageCache ?? 256);
  app.get('/g/:group', { schema: { params: GroupParamsSchema, querystring: GroupQuerySchema } }, async (req, reply) => {
    const { group } = req.params;
    const before = req.query.before;
    const info = await service.group(group);
    // Unread marks are on the page: a change of read marks makes a cached page stale.
    const key = `${group}\n${before ?? ''}\n${service.reading?.readVersion() ?? ''}`;
    const window = Math.floor(deps.clock.now() / PAGE_CACHE_WINDOW_MS);
    // A removal changes the count, not the high mark: both key the cached page.
    const cached = info && cache.get(key, info.high * 1e7 + info.count, window);
    if (cached) return sendHtml(reply, cached.replace(CSRF_SLOT, reply.generateCsrf()));
    // One extra row says whether an older page exists, without counting threads.
    const rows = await service.listThreads(group, THREADS_PER_PAGE + 1, before);
    const reading = service.reading;
    const threads = rows.slice(0, THREADS_PER_PAGE).map((t) => ({ ...t, unread: reading !== null && reading.isUnread(group, t.lastN) }));
    const older = rows.length > THREADS_PER_PAGE ? threads[threads.length - 1].lastN : null;
    const unread = reading && info ? ((await reading.unreadIn(group))?.unread ?? 0) : 0;
    const removed = before === undefined ? ((await service.takedown?.removedIn(group, 10)) ?? []) : [];
    const html = renderPage(deps, 'group.njk', { nav: 'groups', group, info, threads, before, older, reading: reading !== null, unread, removed, csrf: CSRF_SLOT });
    if (info) cache.set(key, { high: info.high * 1e7 + info.count, window, html });
    return sendHtml(reply, html.replace(CSRF_SLOT, reply.generateCsrf()));
  });

  const charts = new ChartCache();
  app.get('/status', async (_req, reply) => {
    const stats = (await service.stats()) as unknown as Record<string, number>;
    const counters = COUNTER_LABELS.map(([key, label]) => ({ label, value: stats[key] ?? 0 }));
    return sendPage(deps, reply, 'status.njk', {
      nav: 'status',
      identity: service.identity,
      counters,
      peersOn: service.peers !== null,
      mirrorsOn: service.mirrors !== null,
      ...(await healthContext(deps, charts)),
    });
  });
};

/**
 * One page of the group list and its neighbours: one row more than a page is read to learn
 * whether there is a further page, so a page costs one short range read however many groups.
 */
async function homePage(service: NodeService, at: { after?: string; before?: string }) {
  const back = at.before !== undefined;
  const rows = await service.listGroups(back ? { before: at.before, limit: GROUPS_PER_PAGE + 1 } : { after: at.after, limit: GROUPS_PER_PAGE + 1 });
  const more = rows.length > GROUPS_PER_PAGE;
  // Going back, the extra row is the first (name order); going forward, the last.
  const groups = more ? (back ? rows.slice(1) : rows.slice(0, GROUPS_PER_PAGE)) : rows;
  const hasPrevious = back ? more : at.after !== undefined;
  const hasNext = back ? true : more;
  const paged = hasPrevious || hasNext;
  if (!paged) groups.sort((a, b) => (b.lastPostAt ?? '').localeCompare(a.lastPostAt ?? '') || a.name.localeCompare(b.name));
  return {
    groups,
    totalGroups: (await service.stats()).groups,
    previous: hasPrevious && groups.length > 0 ? groups[0].name : null,
    next: hasNext && groups.length > 0 ? groups[groups.length - 1].name : null,
    paged,
    atCursor: at.after !== undefined || back,
  };
}

/** The status page's health lines and charts (empty without the reading part). */
async function healthContext(deps: PageDeps, cache: ChartCache): Promise<Record<string, unknown>> {
  const reading = deps.service.reading;
  if (!reading) return {};
  const health = await reading.health();
  return { health, charts: cache.get(health, deps.clock.now()) };
}
