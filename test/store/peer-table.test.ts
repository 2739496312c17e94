/**
 * The peer table writes in the order it is asked to (real LevelDB in a temp dir): a flush of
 * touched lastSeen/lastError never lands after, and undoes, a newer record written at the same
 * time (an approval, a new token), and a peer removed while its record was being written stays
 * removed, in memory and on disk.
 */
import type { PeerRecord } from '../../node/gossip/peer-record';
import { newToken, PeerTable } from '../../node/gossip/peer-table';
import { Store } from '../../node/store/store';
import { tempDir } from '../helpers/tmp';

const record = (name: string, over: Partial<PeerRecord> = {}): PeerRecord => ({
  name,
  url: `http://127.0.0.1:1/${name}`,
  tokenIn: newToken(),
  localOk: false,
  remoteOk: true,
  addedAt: 1,
  lastSeenAt: null,
  lastError: null,
  ...over,
});

describe('peer table writes', () => {
  const dirs: { cleanup: () => void }[] = [];
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    for (const d of dirs) d.cleanup();
  });

  async function openTable(): Promise<{ table: PeerTable; reload: () => Promise<PeerTable> }> {
    const dir = tempDir();
    dirs.push(dir);
    const store = await Store.open(dir.dir);
    stores.push(store);
    const reload = async () => {
      const t = new PeerTable(store);
      await t.load();
      return t;
    };
    return { table: new PeerTable(store), reload };
  }

  it('keeps an approval and a new token that a flush of an older record races', async () => {
    const { table, reload } = await openTable();
    await table.put(record('p1'));
    const approved = { ...record('p1'), localOk: true, tokenOut: 'new-token' };
    // The approval is being written while the link touches the record and the engine flushes.
    const put = table.put(approved);
    table.touch('p1', { lastSeenAt: 42 });
    const flush = table.flush();
    await Promise.all([put, flush]);
    expect(table.get('p1')).toMatchObject({ localOk: true, tokenOut: 'new-token' });
    const onDisk = (await reload()).get('p1');
    expect(onDisk).toMatchObject({ localOk: true, tokenOut: 'new-token' });
  });

  it('writes the touched fields of the newest record when a flush comes after a put', async () => {
    const { table, reload } = await openTable();
    await table.put(record('p2'));
    const put = table.put({ ...record('p2'), localOk: true });
    const flush = (async () => {
      await put;
      table.touch('p2', { lastSeenAt: 7, lastError: 'timeout' });
      await table.flush();
    })();
    await flush;
    expect((await reload()).get('p2')).toMatchObject({ localOk: true, lastSeenAt: 7, lastError: 'timeout' });
  });

  it('keeps a peer removed while its record was being written removed', async () => {
    const { table, reload } = await openTable();
    const put = table.put(record('p3'));
    const remove = table.remove('p3');
    await Promise.all([put, remove]);
    expect(table.get('p3')).toBeUndefined();
    expect((await reload()).get('p3')).toBeUndefined();
    // A new add after the removal is kept.
    await table.put(record('p3', { localOk: true }));
    expect((await reload()).get('p3')).toMatchObject({ localOk: true });
  });
});
