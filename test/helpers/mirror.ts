/**
 * Helpers for the mirror, export and import tests: fill a node fast through POST /api/import,
 * read a whole group index through the local API, and poll a mirror job until it settles.
 */
import { makeArticle } from './node';
import { waitFor } from './wait';

export async function postJson<T>(url: string, body: unknown, expectStatus?: number): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const parsed = (await res.json()) as T;
  if (expectStatus !== undefined && res.status !== expectStatus) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(parsed)}`);
  return { status: res.status, body: parsed };
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Imports `count` generated articles into `group` in batches of 1000; returns their ids. */
export async function fillGroup(webUrl: string, group: string, count: number, over: (i: number) => Record<string, unknown> = () => ({})): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 1000) {
    const articles = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      const a = makeArticle({ newsgroups: [group], id: `<fill.${i}.${Math.random().toString(36).slice(2)}@t>`, ...over(i) }, i);
      ids.push(a.id as string);
      articles.push(a);
    }
    const r = await postJson<{ added: number; rejected: number }>(`${webUrl}/api/import`, { articles }, 200);
    if (r.body.added !== articles.length) throw new Error(`fill: ${JSON.stringify(r.body).slice(0, 500)}`);
  }
  return ids;
}

export interface IndexRow {
  n: number;
  id: string;
}

/** The whole group listing (n, id) through the local API, page by page. */
export async function readIndex(webUrl: string, group: string): Promise<IndexRow[]> {
  const out: IndexRow[] = [];
  for (let after = 0, pages = 0; pages < 10_000; pages++) {
    const page = await getJson<IndexRow[]>(`${webUrl}/api/groups/${group}/articles?after=${after}&limit=1000`);
    if (page.length === 0) break;
    out.push(...page.map(({ n, id }) => ({ n, id })));
    after = page[page.length - 1].n;
  }
  return out;
}

export interface JobView {
  id: string;
  peer: string;
  group: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  error?: string;
  startedAt?: string;
  rejected?: number;
  rejections?: { id: string; reason: string }[];
}

/** Polls GET /api/mirrors until `pred` holds for the job (bounded in time). */
export async function waitForJob(webUrl: string, id: string, pred: (j: JobView) => boolean, timeoutMs = 30_000): Promise<JobView> {
  let last: JobView | undefined;
  try {
    return await waitFor(
      `mirror job ${id} to reach the condition`,
      async () => {
        last = (await getJson<JobView[]>(`${webUrl}/api/mirrors`)).find((j) => j.id === id);
        return last && pred(last) ? last : undefined;
      },
      { timeoutMs, everyMs: 50 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last)}`);
  }
}
