/**
 * Reading pages: `/search?q=&group=&sort=&offset=` (results with the matched words marked,
 * paged), `/next-new` and `/g/GROUP/next-new` (303 to the first unread article, or back to the
 * list when nothing is new), `POST /g/GROUP/read` (mark the group read) and the favicon.
 * Without the reading part these answer 404 pages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GroupParamsSchema } from '../../protocol/api';
import { SEARCH_LIMITS, SearchSortSchema } from '../../protocol/reading';
import { GroupNameSchema } from '../../protocol/group-name';
import { NmError } from '../../node/errors';
import type { ReadingService } from '../../node/feature-services';
import { FormBodySchema } from '../forms';
import { sendPage, type PageDeps } from '../page';
import { escapeHtml } from '../text';
import { articleUrl, groupUrl } from '../views';

export const RESULTS_PER_PAGE = 20;
/** Groups offered in the search form's group choice (the first, by name). */
export const SEARCH_GROUP_CHOICES = 1_000;

/** The page's query: lenient where a person types (an empty group is "all groups"). */
const SearchPageQuerySchema = z.object({
  q: z.string().max(SEARCH_LIMITS.queryMaxChars, `q must be at most ${SEARCH_LIMITS.queryMaxChars} characters`).default(''),
  group: z.union([z.literal(''), GroupNameSchema]).default(''),
  sort: SearchSortSchema.default('best'),
  offset: z.coerce.number().int().min(0).max(SEARCH_LIMITS.offsetMax).default(0),
});

/** Escapes `text` and wraps the words the query matched in <mark>. */
export function markWords(text: string, matches: (word: string) => boolean): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}_]+/gu)) {
    if (!matches(m[0])) continue;
    const at = m.index ?? 0;
    out += `${escapeHtml(text.slice(last, at))}<mark>${escapeHtml(m[0])}</mark>`;
    last = at + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

export interface ReadingPagesOptions extends PageDeps {
  staticDir: string;
}

export const readingPageRoutes: FastifyPluginAsyncZod<ReadingPagesOptions> = async (app, deps) => {
  const favicon = readFileSync(join(deps.staticDir, 'favicon.svg'));
  app.get('/favicon.ico', async (_req, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(favicon));

  const reading = (): ReadingService => {
    if (!deps.service.reading) throw new NmError('NM_ERR_NOT_FOUND', 'search and unread marks are not available on this node');
    return deps.service.reading;
  };

  app.get('/search', { schema: { querystring: SearchPageQuerySchema } }, async (req, reply) => {
    const r = reading();
    const { q, group, sort, offset } = req.query;
    const found = q.trim() ? await r.search({ q, group: group || undefined, sort, offset, limit: RESULTS_PER_PAGE }) : { hits: [], more: false, terms: [] };
    const matches = (w: string) => r.matchesTerm(w, found.terms);
    const hits = found.hits.map((h) => ({ ...h, subjectHtml: markWords(h.subject, matches), snippetHtml: markWords(h.snippet, matches), url: `${articleUrl(h.id)}#current` }));
    // The group choice lists a bounded number of groups (in name order), and always the one searched in.
    const groups = (await deps.service.listGroups({ limit: SEARCH_GROUP_CHOICES })).map((g) => g.name);
    if (group && !groups.includes(group)) groups.unshift(group);
    const page = (o: number) => `/search?${new URLSearchParams({ q, ...(group ? { group } : {}), sort, offset: String(o) }).toString()}`;
    return sendPage(deps, reply, 'search.njk', {
      nav: 'search',
      searchQ: q,
      q,
      group,
      sort,
      groups,
      hits,
      offset,
      prev: offset > 0 ? page(Math.max(0, offset - RESULTS_PER_PAGE)) : null,
      next: found.more && offset + RESULTS_PER_PAGE <= SEARCH_LIMITS.offsetMax ? page(offset + RESULTS_PER_PAGE) : null,
      status: await r.searchStatus(),
    });
  });

  app.get('/next-new', async (_req, reply) => {
    const next = await reading().nextUnread();
    return reply.code(303).header('location', next ? `${articleUrl(next.id)}#current` : '/').send();
  });

  app.get('/g/:group/next-new', { schema: { params: GroupParamsSchema } }, async (req, reply) => {
    const next = await reading().nextUnread(req.params.group);
    return reply.code(303).header('location', next ? `${articleUrl(next.id)}#current` : groupUrl(req.params.group)).send();
  });

  app.post('/g/:group/read', { schema: { params: GroupParamsSchema, body: FormBodySchema.or(z.undefined()) }, preValidation: app.csrfProtection }, async (req, reply) => {
    await reading().markAllRead(req.params.group);
    return reply.code(303).header('location', groupUrl(req.params.group)).send();
  });
};
