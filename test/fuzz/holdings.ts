/**
 * What a fuzzed node holds afterwards, read back and validated: the store's own consistency
 * check (node/store/check.ts, what `newsmesh check` runs), every article, group, peer record
 * and mirror job by the protocol/ schemas (and every string well-formed Unicode, since text
 * is UTF-8), the same through the local API, the pages that show it, and the exports in both
 * formats read back with the file codecs.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { ArticleSchema, checkArticleRules, type Article } from '../../protocol/article';
import { GroupInfoSchema, OverviewSchema, PeerInfoSchema, StatsSchema } from '../../protocol/api';
import { MirrorJobViewSchema } from '../../protocol/archive-messages';
import { GroupNameSchema } from '../../protocol/group-name';
import { NodeKeySchema } from '../../protocol/hello-proof';
import { JsonlReader } from '../../protocol/jsonl';
import { LIMITS } from '../../protocol/limits';
import { MboxReader, parseMboxMessage } from '../../protocol/mbox';
import { NodeNameSchema } from '../../protocol/node-name';
import { PeerUrlSchema } from '../../protocol/peer-messages';
import { wildmatProblem } from '../../protocol/wildmat';
import type { PeerRecord } from '../../node/gossip/peer-record';
import { checkStore } from '../../node/store/check';
import type { TestNode } from '../helpers/node';
import { fail, send, type RawRequest } from './harness';

/** Number of articles the API read-back follows to GET /api/articles/ID. */
const READ_BACK_MAX = 300;

async function getJson(base: string, path: string): Promise<unknown> {
  const r: RawRequest = { method: 'GET', path };
  const res = await send(base, r);
  if (res.status !== 200) fail(`read-back of ${path} did not answer 200`, r, res);
  return JSON.parse(res.text);
}

function mustParse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const p = schema.safeParse(value);
  if (!p.success) throw new Error(`${what} is invalid: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}\n  value: ${JSON.stringify(value)?.slice(0, 500)}`);
  return p.data;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first field (dotted path) holding a string that is not well-formed UTF-16, or null. */
function illFormedField(v: unknown, path = ''): string | null {
  if (typeof v === 'string') return LONE_SURROGATE.test(v) ? path || '(root)' : null;
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const bad = illFormedField(x, path ? `${path}.${k}` : k);
      if (bad) return bad;
    }
  }
  return null;
}

/** A stored article must be exactly what the schema makes of it (no defaults missing, nothing extra). */
function checkStoredArticle(a: unknown, key: string, maxBodyBytes: number): Article {
  const parsed = mustParse(ArticleSchema, a, `stored article ${key}`);
  if (!isDeepStrictEqual(parsed, a)) throw new Error(`stored article ${key} is not in its schema's form: ${JSON.stringify(a).slice(0, 500)}`);
  if (parsed.id !== key) throw new Error(`article stored under ${key} has id ${parsed.id}`);
  // "UTF-8 text": a string with a lone surrogate has no UTF-8 form, so it cannot be exported, signed or shown as stored.
  const illFormed = illFormedField(parsed);
  if (illFormed) throw new Error(`stored article ${key} holds text that is not well-formed Unicode (a lone surrogate) in ${illFormed}: ${JSON.stringify(a).slice(0, 300)}`);
  const problem = checkArticleRules({ body: parsed.body, date: '1970-01-01T00:00:00Z' }, { nowMs: 0, maxBodyBytes });
  if (problem) throw new Error(`stored article ${key}: ${problem.reason}`);
  return parsed;
}

/**
 * Reads back everything the node holds and validates it: the store's own consistency check,
 * every article, group, peer record and mirror job by the protocol/ schemas, and the same
 * through the local API (lists, overviews, articles by id).
 */
export async function checkHoldings(node: TestNode): Promise<{ articles: number }> {
  const { store, ingest, config } = node.components;
  await ingest.flushed();
  const report = await checkStore(store, { maxListed: 10 });
  if (report.problemCount > 0) throw new Error(`newsmesh check finds ${report.problemCount} problems:\n  ${report.problems.join('\n  ')}`);

  let articles = 0;
  for await (const [key, s] of store.subs.articles.iterator()) {
    checkStoredArticle(s.article, key, config.maxArticleBytes);
    for (const [g, n] of Object.entries(s.nums)) if (!s.article.newsgroups.includes(g) || !Number.isSafeInteger(n) || n < 1) throw new Error(`article ${key} has number ${n} in ${g}`);
    articles++;
  }
  for await (const name of store.subs.groups.keys()) mustParse(GroupNameSchema, name, `group ${JSON.stringify(name)}`);
  for await (const [name, value] of store.subs.peers.iterator()) {
    const rec = value as PeerRecord;
    mustParse(NodeNameSchema, name, `peer name ${JSON.stringify(name)}`);
    if (rec.name !== name) throw new Error(`peer stored under ${name} is named ${rec.name}`);
    mustParse(PeerUrlSchema, rec.url, `url of peer ${name}`);
    if (rec.key !== undefined) mustParse(NodeKeySchema, rec.key, `key of peer ${name}`);
    for (const w of [rec.groups, rec.remoteGroups]) if (w !== undefined && wildmatProblem(w)) throw new Error(`peer ${name} holds a bad filter ${JSON.stringify(w)}: ${wildmatProblem(w)}`);
  }
  for await (const value of store.subs.mirrors.values()) {
    const rec = value as { group: string; url: string };
    mustParse(GroupNameSchema, rec.group, 'mirror job group');
    mustParse(PeerUrlSchema, rec.url, 'mirror job url');
  }

  // The same through the local API, as the owner's tools see it.
  const web = node.webUrl;
  const groups = mustParse(z.array(GroupInfoSchema), await getJson(web, '/api/groups'), 'GET /api/groups');
  mustParse(StatsSchema, await getJson(web, '/api/stats'), 'GET /api/stats');
  if (node.components.service.peers) mustParse(z.array(PeerInfoSchema), await getJson(web, '/api/peers'), 'GET /api/peers');
  if (node.components.service.mirrors) mustParse(z.array(MirrorJobViewSchema), await getJson(web, '/api/mirrors'), 'GET /api/mirrors');
  let followed = 0;
  for (const g of groups) {
    mustParse(GroupNameSchema, g.name, 'group name in GET /api/groups');
    const path = `/api/groups/${encodeURIComponent(g.name)}/articles?limit=${LIMITS.indexPageMax}`;
    const list = mustParse(z.array(OverviewSchema), await getJson(web, path), `GET ${path}`);
    if (list.length !== Math.min(g.count, LIMITS.indexPageMax)) throw new Error(`GET ${path} lists ${list.length} articles, the group says ${g.count}`);
    for (const o of list) {
      if (followed++ >= READ_BACK_MAX) break;
      const { signedBy, ...a } = (await getJson(web, `/api/articles/${encodeURIComponent(o.id)}`)) as Record<string, unknown>;
      const parsed = checkStoredArticle(a, o.id, config.maxArticleBytes);
      // Every stored signature was verified (or made here): the API says who, or null when unsigned.
      const named = signedBy !== null && typeof signedBy === 'object' && typeof (signedBy as { fingerprint?: unknown }).fingerprint === 'string';
      if (parsed.signer === undefined ? signedBy !== null : !named) throw new Error(`${o.id}: signedBy ${JSON.stringify(signedBy)} does not match its signer ${String(parsed.signer)}`);
      if (!parsed.newsgroups.includes(g.name)) throw new Error(`${o.id} is listed in ${g.name} but not posted there`);
    }
  }
  return { articles };
}

/**
 * Every group exported in both formats and read back with the file codecs (what `newsmesh
 * import` does): JSON lines give back each stored article exactly; mbox gives back each one's
 * id, groups, references, from, subject and body.
 */
export async function checkExports(node: TestNode): Promise<void> {
  const { store } = node.components;
  for await (const group of store.subs.groups.keys()) {
    const base = `/api/groups/${encodeURIComponent(group)}/export?format=`;
    const jsonl = await send(node.webUrl, { method: 'GET', path: `${base}jsonl` });
    if (jsonl.status !== 200) throw new Error(`JSON lines export of ${group} answered ${jsonl.status}: ${jsonl.text.slice(0, 300)}`);
    const lines = new JsonlReader();
    lines.pushBytes(Buffer.from(jsonl.text, 'utf8'));
    const fromJsonl = [...lines.take(), ...lines.end()];
    const mbox = await sendBytes(node.webUrl, `${base}mbox`);
    const messages = new MboxReader();
    messages.pushBytes(mbox);
    const fromMbox = [...messages.take(), ...messages.end()];
    const count = (await store.group(group))?.count ?? 0;
    if (fromJsonl.length !== count || fromMbox.length !== count) throw new Error(`export of ${group}: ${fromJsonl.length} JSON lines and ${fromMbox.length} mbox messages for ${count} articles`);
    for (const [i, item] of fromJsonl.entries()) {
      if (!item.ok) throw new Error(`JSON lines export of ${group}, line ${i + 1}: ${item.problem.reason}`);
      const a = item.value as Article;
      const stored = (await store.getStored(a.id))?.article;
      if (!isDeepStrictEqual(a, stored)) throw new Error(`JSON lines export of ${group} gives ${a.id} otherwise than stored:\n  ${JSON.stringify(a).slice(0, 300)}`);
      const m = fromMbox[i];
      if (!m.ok) throw new Error(`mbox export of ${group}, message ${i + 1}: ${m.reason}`);
      const read = await parseMboxMessage(m.raw);
      if (!read.ok) throw new Error(`mbox export of ${group}, message ${i + 1} (${a.id}) does not read back: ${read.reason}`);
      const keys = ['id', 'newsgroups', 'references', 'from', 'subject', 'body'] as const;
      const want = Object.fromEntries(keys.map((k) => [k, a[k]]));
      const got = Object.fromEntries(keys.map((k) => [k, read.article[k] ?? (k === 'references' ? [] : undefined)]));
      if (!isDeepStrictEqual(got, want)) throw new Error(`mbox export of ${group} gives ${a.id} otherwise than stored:\n  stored ${JSON.stringify(want).slice(0, 400)}\n  read   ${JSON.stringify(got).slice(0, 400)}`);
    }
  }
}

/** GET as bytes (an mbox export is bytes, not necessarily UTF-8 text). */
async function sendBytes(base: string, path: string): Promise<Buffer> {
  const res = await fetch(`${base}${path}`);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The pages show everything held: each group's page and feed, each article's page (up to READ_BACK_MAX). */
export async function checkPagesOfHoldings(node: TestNode): Promise<void> {
  const { store } = node.components;
  const get = async (path: string) => {
    const r: RawRequest = { method: 'GET', path };
    const res = await send(node.webUrl, r);
    if (res.status !== 200) fail(`page ${path} of something the node holds does not show`, r, res);
  };
  for await (const group of store.subs.groups.keys()) {
    await get(`/g/${encodeURIComponent(group)}`);
    await get(`/g/${encodeURIComponent(group)}/feed.atom`);
  }
  for await (const id of store.subs.articles.keys({ limit: READ_BACK_MAX })) await get(`/a/${encodeURIComponent(id)}`);
  await get('/');
}
