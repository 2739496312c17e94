/**
 * `/g/GROUP/feed.atom`: the latest 50 articles of a group as Atom 1.0, built from a template
 * with autoescape (XML and HTML escape the same five characters). Entry ids are RFC 5538
 * `news:` URIs of the Message-ID, so the same article has the same id on every node.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GroupParamsSchema } from '../../protocol/api';
import { notFound } from '../../node/errors';
import type { PageDeps } from '../page';

export const FEED_ENTRIES = 50;

/** Characters XML 1.0 forbids even when escaped (C0 controls but tab, LF, CR; lone surrogates). */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export const xmlText = (s: string) => s.replace(XML_INVALID, '\uFFFD');

/** `<left@right>` as a `news:` URI, percent-encoding what a URI may not carry. */
export function newsUri(id: string): string {
  return `news:${id.slice(1, -1).replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}`;
}

export const feedRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  app.get('/g/:group/feed.atom', { schema: { params: GroupParamsSchema } }, async (req, reply) => {
    const { group } = req.params;
    const info = await deps.service.group(group);
    if (!info) throw notFound(`group ${group}`);
    // Feed readers poll: the group's high-water mark says whether anything changed.
    const etag = `W/"${info.high}-${info.count}"`;
    reply.header('etag', etag);
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    const overview = await deps.service.listArticles(group, Math.max(0, info.high - FEED_ENTRIES), FEED_ENTRIES);
    const stored = await Promise.all(overview.map((o) => deps.service.getStored(o.id)));
    const entries = stored.reverse().map(({ article: a }) => ({
      id: a.id,
      urn: newsUri(a.id),
      subject: xmlText(a.subject),
      from: xmlText(a.from),
      date: a.date,
      body: xmlText(a.body),
    }));
    const base = `${req.protocol}://${req.host}`;
    const updated = entries.reduce((max, e) => (e.date > max ? e.date : max), info.lastPostAt ?? new Date(0).toISOString());
    const xml = deps.views.render('feed.njk', { site: { name: deps.service.name }, group, base, feedId: `${base}/g/${group}`, updated, entries });
    return reply.type('application/atom+xml; charset=utf-8').header('cache-control', 'no-cache').send(xml);
  });
};
