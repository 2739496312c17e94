/**
 * What one commit writes per article (issue 14, cheaper commits): a thread changed several
 * times in one commit is written once, at its last state; a direct reply to the root has no
 * child link (Store.children finds it among the thread members) while a deeper reply keeps
 * one; and a data dir written by the older layout (a child link for every reply) still reads
 * the same and checks clean.
 */
import { systemClock } from '../../node/clock';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { checkStore } from '../../node/store/check';
import { Level } from 'level';
import { key, pad, SEP } from '../../node/store/keys';
import { rootPut, Store, type BatchOp } from '../../node/store/store';
import { makeArticle } from '../helpers/node';
import { tempDir } from '../helpers/tmp';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let ingest: Ingest;
const batches: BatchOp[][] = [];

beforeEach(async () => {
  tmp = tempDir('newsmesh-records-');
  store = await Store.open(tmp.dir);
  const write = store.batch.bind(store);
  batches.length = 0;
  store.batch = async (ops) => {
    batches.push(ops);
    return write(ops);
  };
  ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 64 * 1024 });
  await ingest.start();
});

afterEach(async () => {
  await ingest.flushed();
  await store.close();
  tmp.cleanup();
});

const local = { kind: 'local' } as const;
/** Ops that write into `sub`: naming it, or on the root with its prefix in the key (rootPut). */
const opsIn = (ops: BatchOp[], sub: { prefix: string }) =>
  ops.filter((o) => {
    const op = o as { sublevel?: unknown; key: string };
    return op.sublevel === sub || (op.sublevel === undefined && op.key.startsWith(sub.prefix));
  });

describe('records per commit', () => {
  it('writes a thread changed by several articles of one commit once, at its last state', async () => {
    const root = makeArticle({ id: '<root@x>', subject: 'the root' });
    const r1 = makeArticle({ id: '<r1@x>', references: ['<root@x>'] });
    const r2 = makeArticle({ id: '<r2@x>', references: ['<root@x>', '<r1@x>'] });
    const results = await ingest.submit([root, r1, r2], local);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(batches).toHaveLength(1);
    const threadOps = opsIn(batches[0], store.subs.threads);
    expect(threadOps).toHaveLength(1);
    expect((threadOps[0] as { value: unknown }).value).toMatchObject({ root: '<root@x>', subject: 'the root', articles: 3, lastN: 3, hasRoot: true });
    expect(await store.thread('test.a', '<root@x>')).toMatchObject({ articles: 3, lastN: 3, hasRoot: true });
    expect((await checkStore(store)).problems).toEqual([]);
  });

  it('links only deeper replies as children; Store.children still lists every direct reply in order', async () => {
    await ingest.submit([makeArticle({ id: '<root@x>' })], local);
    await ingest.submit([makeArticle({ id: '<a@x>', references: ['<root@x>'] })], local);
    await ingest.submit([makeArticle({ id: '<deep@x>', references: ['<root@x>', '<a@x>'] })], local);
    await ingest.submit([makeArticle({ id: '<b@x>', references: ['<root@x>'] })], local);
    const childOps = batches.flatMap((ops) => opsIn(ops, store.subs.children)).map((o) => (o as { value: unknown }).value);
    expect(childOps).toEqual(['<deep@x>']);
    expect(await store.children('<root@x>')).toEqual(['<a@x>', '<b@x>']);
    expect(await store.children('<a@x>')).toEqual(['<deep@x>']);
    expect(await store.children('<deep@x>')).toEqual([]);
    // A reply whose root is not held here is still found from its parent's id.
    await ingest.submit([makeArticle({ id: '<orphan@x>', references: ['<gone@x>'] })], local);
    expect(await store.children('<gone@x>')).toEqual(['<orphan@x>']);
    expect((await checkStore(store)).problems).toEqual([]);
  });

  it('reads a data dir of the older layout (a child link for every reply) the same, each id once', async () => {
    await ingest.submit([makeArticle({ id: '<root@x>' })], local);
    await ingest.submit([makeArticle({ id: '<a@x>', references: ['<root@x>'] })], local);
    await ingest.submit([makeArticle({ id: '<b@x>', references: ['<root@x>'] })], local);
    // What the older writer also wrote for direct replies.
    const [a, b] = await store.getManyStored(['<a@x>', '<b@x>']);
    await store.batch([
      { type: 'put', sublevel: store.subs.children, key: key('<root@x>', a!.seq), value: '<a@x>' },
      { type: 'put', sublevel: store.subs.children, key: key('<root@x>', b!.seq), value: '<b@x>' },
    ] as unknown as BatchOp[]);
    expect(await store.children('<root@x>')).toEqual(['<a@x>', '<b@x>']);
    expect(await store.children('<root@x>', 1)).toEqual(['<a@x>']);
    expect((await checkStore(store)).problems).toEqual([]);
  });
});

describe('record bytes', () => {
  it('a root put with the prefix in its key (rootPut) writes the very key and JSON a sublevel put writes', async () => {
    const value = { id: '<v@x>', subject: 'ü and "quotes"', n: 3, list: ['a'] };
    await store.batch([rootPut(store.subs.groupIndex, key('g.one', 1), value as never), { type: 'put', sublevel: store.subs.groupIndex, key: key('g.two', 1), value } as unknown as BatchOp]);
    expect(await store.subs.groupIndex.get(key('g.one', 1))).toEqual(value);
    await ingest.flushed();
    await store.close();
    const raw = new Level<string, string>(tmp.dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const rows: [string, string][] = [];
    for await (const row of raw.iterator({ gte: '!gidx!', lt: '!gidx"' })) rows.push(row);
    await raw.close();
    expect(rows.map(([k]) => k)).toEqual([`!gidx!g.one${SEP}${pad(1)}`, `!gidx!g.two${SEP}${pad(1)}`]);
    expect(rows[0][1]).toBe(rows[1][1]);
    expect(rows[0][1]).toBe(JSON.stringify(value));
    store = await Store.open(tmp.dir);
  });
});
