/**
 * What the fault suites check on every node, through its local API only (so the same checks
 * serve in-process nodes and processes): the ids it holds, group by group; that article
 * numbers are dense and unique (low..high with no gap and no id twice); that peer backlogs
 * are empty. `converged` waits until a set of nodes hold the same ids, all of `expected`.
 */
import { waitFor } from './wait';

export interface GroupRow {
  name: string;
  count: number;
  low: number;
  high: number;
}

export interface Holdings {
  /** Every id the node lists in some group (a crosspost once). */
  ids: Set<string>;
  /** Articles listed per group. */
  groups: Map<string, number>;
  /** Numbering problems: gaps, repeats, counts that do not match the listing. */
  problems: string[];
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** A group's listing (n, id) through the local API, page by page, up to `high`. */
export async function groupListing(webUrl: string, group: string, high = Infinity): Promise<{ n: number; id: string }[]> {
  const out: { n: number; id: string }[] = [];
  for (let after = 0, pages = 0; pages < 100_000; pages++) {
    const page = await getJson<{ n: number; id: string }[]>(`${webUrl}/api/groups/${encodeURIComponent(group)}/articles?after=${after}&limit=1000`);
    for (const r of page) if (r.n <= high) out.push({ n: r.n, id: r.id });
    if (page.length === 0 || page[page.length - 1].n >= high) break;
    after = page[page.length - 1].n;
  }
  return out;
}

/**
 * The node's holdings. Groups are listed first and each listing is read up to the `high` it
 * had then, so articles arriving meanwhile do not look like a numbering fault.
 */
export async function holdings(webUrl: string, opts: { groups?: (name: string) => boolean } = {}): Promise<Holdings> {
  const groups = (await getJson<GroupRow[]>(`${webUrl}/api/groups`)).filter((g) => opts.groups?.(g.name) ?? true);
  const ids = new Set<string>();
  const counts = new Map<string, number>();
  const problems: string[] = [];
  for (const g of groups) {
    const rows = await groupListing(webUrl, g.name, g.high);
    counts.set(g.name, rows.length);
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      if (r.n !== g.low + i && problems.length < 20) problems.push(`${g.name}: row ${i} has number ${r.n}, expected ${g.low + i} (a gap or a repeat)`);
      if (seen.has(r.id) && problems.length < 20) problems.push(`${g.name}: ${r.id} listed twice`);
      seen.add(r.id);
      ids.add(r.id);
    });
    if (rows.length !== g.count) problems.push(`${g.name}: the group says ${g.count} articles, its listing holds ${rows.length}`);
    if (rows.length > 0 && rows[rows.length - 1].n !== g.high) problems.push(`${g.name}: high is ${g.high}, the last listed number ${rows[rows.length - 1].n}`);
  }
  return { ids, groups: counts, problems };
}

/** Ids of `expected` the holdings lack (first `max`). */
export function missing(h: Holdings | Set<string>, expected: Iterable<string>, max = 20): string[] {
  const ids = h instanceof Set ? h : h.ids;
  const out: string[] = [];
  for (const id of expected) if (!ids.has(id) && out.length < max) out.push(id);
  return out;
}

export interface PeerRow {
  name: string;
  url: string;
  state: string;
  backlog: number;
  duplicate?: number;
  sent?: number;
  unfulfilled?: number;
}

export function peerRows(webUrl: string): Promise<PeerRow[]> {
  return getJson<PeerRow[]>(`${webUrl}/api/peers`);
}

export interface StatsRow {
  articles: number;
  articlesReceived: number;
  articlesAccepted: number;
  articlesDuplicate: number;
  articlesRejected: number;
}

export function stats(webUrl: string): Promise<StatsRow> {
  return getJson<StatsRow>(`${webUrl}/api/stats`);
}

/**
 * Waits until every node holds every id of `expected`, all nodes hold the same ids (within the
 * groups `opts.groups` selects) and every backlog is empty; resolves with the holdings.
 */
export async function converged(nodes: { webUrl: string }[], expected: Set<string>, opts: { timeoutMs?: number; groups?: (name: string) => boolean } = {}): Promise<Holdings[]> {
  let last = '';
  try {
    return await waitFor(
      `${nodes.length} nodes to converge on ${expected.size}+ articles`,
      async () => {
        // Cheap first: the counters must at least reach the expected size.
        const counts = await Promise.all(nodes.map((n) => stats(n.webUrl)));
        if (counts.some((s) => s.articles < expected.size)) {
          last = `articles per node: ${counts.map((s) => s.articles).join(', ')} of ${expected.size}`;
          return false;
        }
        const all = await Promise.all(nodes.map((n) => holdings(n.webUrl, opts)));
        const lacking = all.map((h) => missing(h, expected, 3));
        if (lacking.some((l) => l.length > 0)) {
          last = `missing: ${lacking.map((l, i) => `node ${i}: ${l.join(' ')}`).join('; ')}`;
          return false;
        }
        const union = new Set(all.flatMap((h) => [...h.ids]));
        if (all.some((h) => h.ids.size !== union.size)) {
          last = `holdings differ: ${all.map((h) => h.ids.size).join(', ')} of ${union.size}`;
          return false;
        }
        const backlogs = (await Promise.all(nodes.map((n) => peerRows(n.webUrl)))).flat().reduce((s, p) => s + Math.max(0, p.backlog), 0);
        if (backlogs > 0) {
          last = `backlogs: ${backlogs}`;
          return false;
        }
        return all;
      },
      { timeoutMs: opts.timeoutMs ?? 60_000, everyMs: 250 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${last}`);
  }
}
