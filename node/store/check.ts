/**
 * Offline consistency check of a stopped node's store (`newsmesh check`). It walks each
 * sublevel once with bounded memory (per-group aggregates plus batches of lookups) and
 * compares what Ingest writes in one batch: counters, group metadata, group index, articles,
 * history (and the time index that expires it), thread links and the feed's queue rows. It
 * only reads; it reports problems and never repairs.
 */
import { parentId } from '../../protocol/article';
import { HISTORY_INDEX_META, parseTimeKey, timeKey } from './history-index';
import { lastPart, SEP, unpad } from './keys';
import type { Counters, GroupMeta, StoredArticle } from './records';
import type { Store } from './store';

export interface CheckReport {
  articles: number;
  groups: number;
  indexEntries: number;
  /** `rejected` counts every record that is not `accepted` (tombstones too); `removed` the tombstones. */
  history: { accepted: number; rejected: number; removed: number };
  /** Total problems found (only the first `maxListed` are kept in `problems`). */
  problemCount: number;
  problems: string[];
}

interface IndexAgg {
  count: number;
  min: number;
  max: number;
  lastDate: string | null;
}

/** Lookups are done in batches of this many keys, so memory stays flat. */
const BATCH = 1000;

class Findings {
  count = 0;
  readonly list: string[] = [];
  constructor(private readonly maxListed: number) {}
  add(problem: string): void {
    this.count++;
    if (this.list.length < this.maxListed) this.list.push(problem);
  }
}

/** Runs `fn` on fixed-size chunks of an async stream of items. */
async function inChunks<T>(source: AsyncIterable<T>, fn: (chunk: T[]) => Promise<void>): Promise<number> {
  let chunk: T[] = [];
  let total = 0;
  for await (const item of source) {
    chunk.push(item);
    total++;
    if (chunk.length >= BATCH) {
      await fn(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await fn(chunk);
  return total;
}

export async function checkStore(store: Store, opts: { maxListed?: number } = {}): Promise<CheckReport> {
  const found = new Findings(opts.maxListed ?? 50);
  const subs = store.subs;
  const counters = (await subs.meta.get('counters')) as Counters | undefined;

  // 1. Group index: every entry names an article that carries that number for that group.
  const perGroup = new Map<string, IndexAgg>();
  const indexEntries = await inChunks(subs.groupIndex.iterator(), async (chunk) => {
    const stored = await subs.articles.getMany(chunk.map(([, v]) => v.id));
    const removedIds = new Set((await subs.history.getMany(chunk.map(([, v]) => v.id))).flatMap((h, i) => (h?.s === 'g' ? [chunk[i][1].id] : [])));
    chunk.forEach(([k, v], i) => {
      const group = k.slice(0, k.indexOf(SEP));
      const n = unpad(lastPart(k));
      const agg = perGroup.get(group) ?? { count: 0, min: Infinity, max: 0, lastDate: null };
      agg.count++;
      agg.min = Math.min(agg.min, n);
      agg.max = Math.max(agg.max, n);
      if (agg.lastDate === null || v.date > agg.lastDate) agg.lastDate = v.date;
      perGroup.set(group, agg);
      const s = stored[i];
      if (!s) found.add(`group index ${group} #${n} names ${v.id}, which is not in articles${removedIds.has(v.id) ? ' (it has a tombstone: half-removed)' : ''}`);
      else if (s.article.newsgroups.includes(group) && s.nums[group] !== n) found.add(`group index ${group} #${n} names ${v.id}, but the article has number ${s.nums[group]} there`);
      else if (!s.article.newsgroups.includes(group)) found.add(`group index ${group} #${n} names ${v.id}, which is not posted to ${group}`);
    });
  });

  // 2. Articles: each has a number in each of its groups, an accepted history entry, a seq.
  const numsPerGroup = new Map<string, number>();
  let maxSeq = 0;
  const articleCount = await inChunks(subs.articles.iterator(), async (chunk) => {
    const hist = await subs.history.getMany(chunk.map(([id]) => id));
    chunk.forEach(([id, s]: [string, StoredArticle], i) => {
      if (s.article.id !== id) found.add(`article stored under ${id} has id ${s.article.id}`);
      maxSeq = Math.max(maxSeq, s.seq);
      for (const g of new Set(s.article.newsgroups)) {
        if (typeof s.nums[g] !== 'number') found.add(`article ${id} has no number in ${g}`);
        else numsPerGroup.set(g, (numsPerGroup.get(g) ?? 0) + 1);
      }
      if (hist[i]?.s === 'g') found.add(`article ${id} is stored, but history holds its tombstone (${hist[i]?.by ?? 'removed'}): half-removed`);
      else if (hist[i]?.s !== 'a') found.add(`article ${id} has no "accepted" history entry`);
    });
  });

  // 3. History: accepted entries and articles are the same set (2. checked one direction);
  //    every other record has its entry in the time index that expires it (once records from
  //    before that index have been indexed), and every index entry reads as a time and an id.
  const history = { accepted: 0, rejected: 0, removed: 0 };
  const timeIndexed = ((await subs.meta.get(HISTORY_INDEX_META)) as { done?: boolean } | undefined)?.done === true;
  await inChunks(subs.history.iterator(), async (chunk) => {
    const accepted = chunk.filter(([, h]) => h.s === 'a');
    history.accepted += accepted.length;
    history.rejected += chunk.length - accepted.length;
    const stored = await subs.articles.getMany(accepted.map(([id]) => id));
    accepted.forEach(([id], i) => {
      if (!stored[i]) found.add(`history says ${id} was accepted, but it is not in articles`);
    });
    history.removed += chunk.filter(([, h]) => h.s === 'g').length;
    // An owner's tombstone stands for good: it has no time-index entry on purpose.
    const others = chunk.filter(([, h]) => h.s !== 'a' && !(h.s === 'g' && h.by === 'owner'));
    if (!timeIndexed || others.length === 0) return;
    const entries = await subs.historyByTime.getMany(others.map(([id, h]) => timeKey(h.at, id)));
    others.forEach(([id, h], i) => {
      if (entries[i] !== id) found.add(`history record of ${id} (${h.s}) has no time-index entry, so it never expires`);
    });
  });
  // Entries whose record was rewritten since are stale, not wrong: the sweep drops them.
  await inChunks(subs.historyByTime.keys(), async (chunk) => {
    for (const k of chunk) {
      const { at, id } = parseTimeKey(k);
      if (!Number.isFinite(at) || !id) found.add(`history time index holds a malformed key ${JSON.stringify(k)}`);
    }
  });

  // 4. Group metadata against the index; the index against the articles' numbers.
  const metas = new Map<string, GroupMeta>();
  for await (const [name, meta] of subs.groups.iterator()) metas.set(name, meta);
  for (const [name, meta] of metas) {
    const agg = perGroup.get(name);
    const count = agg?.count ?? 0;
    if (meta.count !== count) found.add(`group ${name}: metadata count ${meta.count}, but the index holds ${count}`);
    if (agg && meta.low !== agg.min) found.add(`group ${name}: metadata low ${meta.low}, but the lowest indexed number is ${agg.min}`);
    if (agg && meta.high < agg.max) found.add(`group ${name}: metadata high ${meta.high}, below the highest indexed number ${agg.max}`);
    // Removals leave lastPostAt as it was (the last post did happen): only a date below the newest indexed one is wrong.
    if (agg && (meta.lastPostAt === null || (agg.lastDate !== null && meta.lastPostAt < agg.lastDate))) found.add(`group ${name}: lastPostAt ${meta.lastPostAt}, but the newest indexed date is ${agg.lastDate}`);
  }
  for (const name of perGroup.keys()) if (!metas.has(name)) found.add(`group ${name} has index entries but no metadata`);
  for (const [name, n] of numsPerGroup) {
    const indexed = perGroup.get(name)?.count ?? 0;
    if (n !== indexed) found.add(`group ${name}: ${n} articles carry a number there, but the index holds ${indexed}`);
  }

  // 5. Counters (what start-up trusts instead of counting).
  if (!counters) {
    if (articleCount > 0 || metas.size > 0) found.add('meta has no counters record, but the store holds articles');
  } else {
    if (counters.articles !== articleCount) found.add(`counters say ${counters.articles} articles, the store holds ${articleCount}`);
    if (counters.groups !== metas.size) found.add(`counters say ${counters.groups} groups, the store holds ${metas.size}`);
    if (counters.seq < maxSeq) found.add(`counters seq ${counters.seq} is below the highest article seq ${maxSeq}`);
  }

  // 6. Thread links point at stored articles with the seq in their key.
  await checkLinks(store, 'threadMembers', found);
  await checkLinks(store, 'children', found);

  // 7. Thread records: group pages list each thread at its newest article (lastN), so that
  //    index entry must exist and belong to the thread.
  await inChunks(subs.threads.iterator(), async (chunk) => {
    const keys = chunk.map(([k, t]) => `${k.slice(0, k.indexOf(SEP))}${SEP}${String(t.lastN).padStart(16, '0')}`);
    const entries = await subs.groupIndex.getMany(keys);
    chunk.forEach(([k, t], i) => {
      const e = entries[i];
      const root = e ? (e.references[0] ?? e.id) : undefined;
      if (root !== t.root) found.add(`thread ${k.replace(SEP, ' ')}: its newest number ${t.lastN} is not an article of the thread`);
    });
  });

  // 8. Outbound queues (node/feed/feed-queues.ts: peer NUL seq -> { id, at }) name stored
  //    articles under their own seq, and known peers (a forgotten peer's entries are dropped at
  //    the next start, so they are only reported).
  const peers = new Set<string>();
  for await (const name of subs.peers.keys()) peers.add(name);
  await inChunks(subs.queues.iterator(), async (chunk) => {
    const stored = await subs.articles.getMany(chunk.map(([, e]) => e.id));
    const hist = await subs.history.getMany(chunk.map(([, e]) => e.id));
    chunk.forEach(([k, e], i) => {
      const peer = k.slice(0, k.indexOf(SEP));
      // A row of an article removed since is stale, not wrong: the sender skips what is gone.
      if (!stored[i] && hist[i]?.s === 'g') return;
      if (!stored[i]) found.add(`queue of ${peer} holds ${e.id}, which is not in articles`);
      else if (stored[i]!.seq !== unpad(lastPart(k))) found.add(`queue of ${peer} holds ${e.id} under seq ${unpad(lastPart(k))}, but the article has seq ${stored[i]!.seq}`);
      if (!peers.has(peer)) found.add(`queue of ${peer} belongs to no known peer`);
    });
  });

  return {
    articles: articleCount,
    groups: metas.size,
    indexEntries,
    history,
    problemCount: found.count,
    problems: found.list,
  };
}

/** threadMembers (root NUL seq -> id) and children (parent NUL seq -> id) name real articles. */
async function checkLinks(store: Store, which: 'threadMembers' | 'children', found: Findings): Promise<void> {
  const sub = store.subs[which];
  await inChunks(sub.iterator(), async (chunk) => {
    const stored = await store.subs.articles.getMany(chunk.map(([, id]) => id));
    chunk.forEach(([k, id], i) => {
      const head = k.slice(0, k.lastIndexOf(SEP));
      const seq = unpad(lastPart(k));
      const s = stored[i];
      if (!s) return found.add(`${which} ${head} lists ${id}, which is not in articles`);
      if (s.seq !== seq) found.add(`${which} ${head} lists ${id} with seq ${seq}, but the article has seq ${s.seq}`);
      if (which === 'children' && parentId(s.article) !== head) found.add(`children of ${head} lists ${id}, whose parent is ${parentId(s.article) ?? 'none'}`);
      if (which === 'threadMembers' && (s.article.references[0] ?? s.article.id) !== head) found.add(`thread ${head} lists ${id}, which belongs to another thread`);
    });
  });
}
