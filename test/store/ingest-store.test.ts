/**
 * The store and its single writer on real LevelDB in temp dirs: restart keeps everything,
 * numbers stay dense and unique under concurrency, a commit is all-or-nothing, history
 * remembers duplicates and rejections, a second opener is refused, start-up reads no articles.
 */
import { Level } from 'level';
import { systemClock } from '../../node/clock';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { checkStore } from '../../node/store/check';
import { StoreLockedError } from '../../node/store/db';
import { key } from '../../node/store/keys';
import { Store } from '../../node/store/store';
import { makeArticle } from '../helpers/node';
import { tempDir } from '../helpers/tmp';

interface Opened {
  store: Store;
  ingest: Ingest;
  metrics: Metrics;
}

async function open(dir: string, name = 'here'): Promise<Opened> {
  const store = await Store.open(dir);
  const metrics = new Metrics();
  const ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics }, { name, maxArticleBytes: 64 * 1024 });
  await ingest.start();
  return { store, ingest, metrics };
}

async function close(o: Opened): Promise<void> {
  await o.ingest.flushed();
  await o.store.close();
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('newsmesh-store-');
});
afterEach(() => tmp.cleanup());

const local = { kind: 'local' } as const;

describe('restart', () => {
  it('keeps articles, numbers, group metadata, threads and counters, and numbering continues', async () => {
    const a = await open(tmp.dir);
    const root = makeArticle({ id: '<root@x>', newsgroups: ['test.a', 'test.b'], subject: 'the root' }, 0);
    const reply = makeArticle({ id: '<reply@x>', references: ['<root@x>'], newsgroups: ['test.a'] }, 1);
    const other = makeArticle({ id: '<other@x>', newsgroups: ['test.b'] }, 2);
    expect((await a.ingest.submit([root, reply, other], local)).map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const before = {
      groups: await a.store.listGroups(),
      counters: await a.store.counters(),
      thread: await a.store.thread('test.a', '<root@x>'),
      stored: await a.store.getStored('<reply@x>'),
    };
    await close(a);

    const b = await open(tmp.dir);
    try {
      expect(await b.store.listGroups()).toEqual(before.groups);
      expect(before.groups).toEqual([
        { name: 'test.a', count: 2, low: 1, high: 2, lastPostAt: expect.any(String) },
        { name: 'test.b', count: 2, low: 1, high: 2, lastPostAt: expect.any(String) },
      ]);
      expect(await b.store.counters()).toEqual(before.counters);
      expect(before.counters).toMatchObject({ articles: 3, groups: 2, seq: 3 });
      expect(b.ingest.totals()).toEqual(before.counters);
      expect(await b.store.getStored('<reply@x>')).toEqual(before.stored);
      expect(before.stored?.article.path).toEqual(['here', 'origin']);
      expect(await b.store.thread('test.a', '<root@x>')).toEqual(before.thread);
      expect(before.thread).toMatchObject({ subject: 'the root', articles: 2 });
      expect(await b.store.threadMembers('<root@x>')).toEqual(['<root@x>', '<reply@x>']);
      expect(await b.store.children('<root@x>')).toEqual(['<reply@x>']);
      expect((await b.store.groupIndex('test.b', 0, 10)).map((e) => [e.n, e.id])).toEqual([
        [1, '<root@x>'],
        [2, '<other@x>'],
      ]);

      // Numbers and seq continue where they stopped.
      await b.ingest.submit([makeArticle({ id: '<after@x>', newsgroups: ['test.a', 'test.c'] }, 3)], local);
      expect((await b.store.getStored('<after@x>'))?.nums).toEqual({ 'test.a': 3, 'test.c': 1 });
      expect((await b.store.getStored('<after@x>'))?.seq).toBe(4);
      expect(await b.store.group('test.a')).toMatchObject({ count: 3, low: 1, high: 3 });
      expect(await b.store.counters()).toMatchObject({ articles: 4, groups: 3, seq: 4 });
      expect((await checkStore(b.store)).problems).toEqual([]);
    } finally {
      await close(b);
    }
  });
});

describe('numbering', () => {
  it('gives 1,000 concurrent posts 1,000 distinct dense numbers', async () => {
    const o = await open(tmp.dir);
    try {
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => o.ingest.submit([makeArticle({}, i)], local)));
      expect(results.every(([r]) => r.status === 'accepted')).toBe(true);
      const index = await o.store.groupIndex('test.a', 0, 1000);
      expect(index.map((e) => e.n)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(new Set(index.map((e) => e.id)).size).toBe(1000);
      expect(await o.store.group('test.a')).toMatchObject({ count: 1000, low: 1, high: 1000 });
      const seqs = (await o.store.getManyStored(index.map((e) => e.id))).map((s) => s!.seq);
      expect(new Set(seqs).size).toBe(1000);
      expect((await checkStore(o.store)).problems).toEqual([]);
    } finally {
      await close(o);
    }
  });
});

describe('one atomic batch per commit', () => {
  it('writes every index of an accepted article together, and they agree', async () => {
    const o = await open(tmp.dir);
    try {
      const batches: number[] = [];
      const batch = o.store.batch.bind(o.store);
      jest.spyOn(o.store, 'batch').mockImplementation(async (ops) => {
        batches.push(ops.length);
        return batch(ops);
      });
      const reply = makeArticle({ id: '<r@x>', references: ['<p@x>'], newsgroups: ['test.a', 'test.b'] });
      await o.ingest.submit([reply], local);
      // ONE batch: article, history, 2 x (index, thread), thread member, 2 groups, counters (a
      // direct reply to the root has no child link: Store.children finds it among the members)
      expect(batches).toEqual([10]);
      const stored = await o.store.getStored('<r@x>');
      expect(stored?.nums).toEqual({ 'test.a': 1, 'test.b': 1 });
      expect((await o.store.history(['<r@x>']))[0]).toMatchObject({ s: 'a' });
      expect(await o.store.children('<p@x>')).toEqual(['<r@x>']);
      expect(await o.store.threadMembers('<p@x>')).toEqual(['<r@x>']);
      expect((await checkStore(o.store)).problemCount).toBe(0);
    } finally {
      await close(o);
    }
  });

  it('leaves no trace of a commit whose batch fails, and numbering stays dense', async () => {
    const o = await open(tmp.dir);
    try {
      await o.ingest.submit([makeArticle({ id: '<first@x>' })], local);
      const spy = jest.spyOn(o.store, 'batch').mockRejectedValueOnce(new Error('disk full'));
      await expect(o.ingest.submit([makeArticle({ id: '<lost@x>', newsgroups: ['test.a', 'test.new'] })], local)).rejects.toThrow('disk full');
      spy.mockRestore();
      expect(await o.store.getStored('<lost@x>')).toBeUndefined();
      expect((await o.store.history(['<lost@x>']))[0]).toBeUndefined();
      expect(await o.store.group('test.new')).toBeUndefined();
      expect(await o.store.counters()).toMatchObject({ articles: 1, groups: 1, seq: 1 });
      expect(o.ingest.totals()).toMatchObject({ articles: 1, groups: 1, seq: 1 });

      const [r] = await o.ingest.submit([makeArticle({ id: '<lost@x>', newsgroups: ['test.a', 'test.new'] })], local);
      expect(r.status).toBe('accepted');
      expect((await o.store.getStored('<lost@x>'))?.nums).toEqual({ 'test.a': 2, 'test.new': 1 });
      expect(await o.store.counters()).toMatchObject({ articles: 2, groups: 2, seq: 2 });
      expect((await checkStore(o.store)).problems).toEqual([]);
    } finally {
      await close(o);
    }
  });
});

describe('commits queued behind a commit in flight', () => {
  it('see what it wrote: duplicates, threads and numbers carry over', async () => {
    const o = await open(tmp.dir);
    let release: () => void = () => undefined;
    try {
      const gate = new Promise<void>((r) => (release = r));
      const batch = o.store.batch.bind(o.store);
      const sizes: number[] = [];
      jest.spyOn(o.store, 'batch').mockImplementation(async (ops) => {
        sizes.push(ops.length);
        if (sizes.length === 1) await gate; // hold commit N on its way to disk
        return batch(ops);
      });
      const root = makeArticle({ id: '<p-root@x>' });
      const first = o.ingest.submit([root], local);
      await new Promise((r) => setImmediate(r));
      const second = o.ingest.submit([root, makeArticle({ id: '<p-reply@x>', references: ['<p-root@x>'] })], { kind: 'peer', peer: 'p' });
      const third = o.ingest.submit([makeArticle({ id: '<p-bad@x>', subject: '' })], local);
      // Not a wait for a condition: room for a wrong second write to happen (none must).
      await new Promise((r) => setTimeout(r, 50));
      expect(sizes).toHaveLength(1); // one writer: nothing else is written while N is in flight
      release();
      expect((await first).map((r) => r.status)).toEqual(['accepted']);
      expect((await second).map((r) => r.status)).toEqual(['duplicate', 'accepted']);
      expect((await third).map((r) => r.status)).toEqual(['rejected']);
      expect(sizes).toHaveLength(2); // the two waiting submissions shared one commit
      expect(await o.store.thread('test.a', '<p-root@x>')).toMatchObject({ articles: 2, lastN: 2 });
      expect((await o.store.getStored('<p-reply@x>'))?.nums).toEqual({ 'test.a': 2 });
      expect(await o.store.counters()).toMatchObject({ articles: 2, groups: 1, seq: 2 });
      expect((await checkStore(o.store)).problems).toEqual([]);
    } finally {
      release();
      await close(o);
    }
  });

  it('does not mark a held article rejected when a bad copy of it arrives', async () => {
    const o = await open(tmp.dir);
    try {
      await o.ingest.submit([makeArticle({ id: '<held@x>' })], local);
      const [r] = await o.ingest.submit([makeArticle({ id: '<held@x>', subject: '' })], { kind: 'peer', peer: 'p' });
      expect(r.status).toBe('rejected');
      expect((await o.store.history(['<held@x>']))[0]).toMatchObject({ s: 'a' });
      expect((await checkStore(o.store)).problems).toEqual([]);
    } finally {
      await close(o);
    }
  });
});

describe('fresh local ids', () => {
  it('skip the reads but still number, thread and record them like any article', async () => {
    const o = await open(tmp.dir);
    try {
      const getMany = jest.spyOn(o.store, 'historySync');
      const threadReads = jest.spyOn(o.store, 'threadsSync');
      const root = o.ingest.check(makeArticle({ id: '<fresh-root@here>' }));
      const reply = o.ingest.check(makeArticle({ id: '<fresh-reply@here>', references: ['<fresh-root@here>'] }));
      if (!root.ok || !reply.ok) throw new Error('test articles must be valid');
      expect((await o.ingest.submitChecked([root.article], local, { freshIds: true }))[0].status).toBe('accepted');
      expect(getMany).not.toHaveBeenCalled();
      expect(threadReads).not.toHaveBeenCalled();
      expect((await o.ingest.submitChecked([reply.article], local, { freshIds: true }))[0].status).toBe('accepted');
      // The reply's thread was written by the commit just before: its metadata is still in the
      // writer's memory, so even the thread read is skipped.
      expect(threadReads).not.toHaveBeenCalled();
      expect(await o.store.thread('test.a', '<fresh-root@here>')).toMatchObject({ articles: 2, lastN: 2 });
      expect((await o.store.history(['<fresh-root@here>', '<fresh-reply@here>'])).map((h) => h?.s)).toEqual(['a', 'a']);
      expect((await checkStore(o.store)).problems).toEqual([]);
    } finally {
      await close(o);
    }
  });
});

describe('history', () => {
  it('records accepted ids; a bad copy of an id never blocks a good copy of it', async () => {
    const o = await open(tmp.dir);
    try {
      const good = makeArticle({ id: '<good@x>' });
      const bad = makeArticle({ id: '<bad@x>', subject: '' });
      const results = await o.ingest.submit([good, bad, good], { kind: 'peer', peer: 'p' });
      expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'duplicate']);
      expect(results[1].reason).toMatch(/^subject: /);
      const [h1, h2] = await o.store.history(['<good@x>', '<bad@x>']);
      expect(h1).toMatchObject({ s: 'a' });
      // Who sent the bad copy is the receiver's to remember; nothing is kept under the id.
      expect(h2).toBeUndefined();

      const again = await o.ingest.submit([good, makeArticle({ id: '<bad@x>' })], { kind: 'peer', peer: 'q' });
      expect(again.map((r) => r.status)).toEqual(['duplicate', 'accepted']);
      expect(o.metrics).toMatchObject({ articlesAccepted: 2, articlesRejected: 1, articlesDuplicate: 2 });
      expect(await o.store.counters()).toMatchObject({ articles: 2 });
    } finally {
      await close(o);
    }
  });

  it('a refusal recorded by an older version does not block the id either', async () => {
    const o = await open(tmp.dir);
    try {
      await o.store.subs.history.put('<old-r@x>', { s: 'r', at: Date.now(), reason: 'subject: empty' });
      const [r] = await o.ingest.submit([makeArticle({ id: '<old-r@x>' })], { kind: 'peer', peer: 'q' });
      expect(r.status).toBe('accepted');
    } finally {
      await close(o);
    }
  });

  it('refuses a gossiped copy whose path holds this node, without blocking other copies or the owner', async () => {
    const o = await open(tmp.dir);
    try {
      const [r] = await o.ingest.submit([makeArticle({ id: '<loop@x>', path: ['a', 'here', 'b'] })], { kind: 'peer', peer: 'a' });
      expect(r).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/loop/) });
      expect(await o.store.getStored('<loop@x>')).toBeUndefined();
      expect((await o.store.history(['<loop@x>']))[0]).toBeUndefined();
      // The copy a stranger sent named this node to keep the article away: an honest one gets in.
      const [honest] = await o.ingest.submit([makeArticle({ id: '<loop@x>', path: ['c'] })], { kind: 'peer', peer: 'c' });
      expect(honest.status).toBe('accepted');
      // The owner restoring an export of articles that passed through here: taken, for every origin but gossip.
      for (const origin of [{ kind: 'import' }, { kind: 'mirror', peer: 'm' }, local] as const) {
        const id = `<restored-${origin.kind}@x>`;
        const [res] = await o.ingest.submit([makeArticle({ id, path: ['here', 'b'] })], origin);
        expect([origin.kind, res.status]).toEqual([origin.kind, 'accepted']);
        expect((await o.store.getStored(id))?.article.path).toEqual(['here', 'b']);
      }
    } finally {
      await close(o);
    }
  });
});

describe('the data dir lock', () => {
  it('refuses a second opener with "data dir in use"', async () => {
    const o = await open(tmp.dir);
    try {
      const second = Store.open(tmp.dir);
      await expect(second).rejects.toBeInstanceOf(StoreLockedError);
      await expect(Store.open(tmp.dir)).rejects.toThrow(/data dir in use/);
    } finally {
      await close(o);
    }
    // Once closed, the dir opens again.
    const again = await Store.open(tmp.dir);
    await again.close();
  });
});

describe('start-up', () => {
  it('reads counters and group metadata, never the articles', async () => {
    const a = await open(tmp.dir);
    await a.ingest.submit(
      Array.from({ length: 50 }, (_, i) => makeArticle({ newsgroups: [`test.g${i % 5}`] }, i)),
      local,
    );
    await close(a);

    const store = await Store.open(tmp.dir);
    const ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 65536 });
    const touched: string[] = [];
    for (const sub of ['articles', 'groupIndex', 'history', 'threads', 'threadMembers', 'children'] as const) {
      for (const m of ['iterator', 'keys', 'values', 'get', 'getMany'] as const) {
        jest.spyOn(store.subs[sub], m).mockImplementation((() => {
          touched.push(`${sub}.${m}`);
          throw new Error(`start-up must not read ${sub}`);
        }) as never);
      }
    }
    try {
      await ingest.start();
      expect(touched).toEqual([]);
      expect(ingest.totals()).toMatchObject({ articles: 50, groups: 5, seq: 50 });
    } finally {
      jest.restoreAllMocks();
      await store.close();
    }
  });

  it('trusts the counters in meta (so a count is not a scan)', async () => {
    const a = await open(tmp.dir);
    await a.ingest.submit([makeArticle({ id: '<one@x>' }), makeArticle({ id: '<two@x>' })], local);
    await close(a);
    // Remove one article behind the store's back: start-up does not notice, `check` does.
    const raw = new Level<string, string>(tmp.dir);
    await raw.sublevel('art').del('<one@x>');
    await raw.close();
    const b = await open(tmp.dir);
    try {
      expect(b.ingest.totals().articles).toBe(2);
      const report = await checkStore(b.store);
      expect(report.problems).toEqual(expect.arrayContaining([expect.stringMatching(/counters say 2 articles, the store holds 1/)]));
    } finally {
      await close(b);
    }
  });
});

it('keys sort numerically inside a group', () => {
  expect(key('g', 9) < key('g', 10)).toBe(true);
  expect(key('g', 99999) < key('g', 100000)).toBe(true);
});
