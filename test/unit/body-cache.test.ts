/**
 * The body cache is an lru-cache bounded by bytes: what is used stays, the least recently
 * used goes first, 0 bytes turns it off, and a miss is read from the store.
 */
import { BodyCache } from '../../node/gossip/body-cache';
import { takethisBodies } from '../../node/gossip/takethis-frames';
import type { Store } from '../../node/store/store';

const json = (n: number) => JSON.stringify({ id: `<${n}@x>`, body: 'b'.repeat(90) });

describe('body cache', () => {
  it('stays within its bytes, dropping the least recently used', () => {
    const one = Buffer.byteLength(json(0));
    const cache = new BodyCache(one * 3);
    for (let i = 0; i < 3; i++) cache.set(`<${i}@x>`, json(i));
    expect(cache.get('<0@x>')).toBeDefined(); // used: now the most recent
    cache.set('<3@x>', json(3));
    expect(cache.bytes).toBeLessThanOrEqual(one * 3);
    expect(cache.get('<1@x>')).toBeUndefined();
    expect(cache.get('<0@x>')?.toString()).toBe(json(0));
  });

  it('keeps nothing with 0 bytes, and reads a miss from the store', async () => {
    const cache = new BodyCache(0);
    cache.set('<1@x>', json(1));
    expect(cache.get('<1@x>')).toBeUndefined();
    const store = { getManyStored: async (ids: string[]) => ids.map((id) => (id === '<1@x>' ? { article: { id } } : undefined)) } as unknown as Store;
    const got = await cache.serialised(['<1@x>', '<2@x>'], store);
    expect(got.map(String)).toEqual([JSON.stringify({ id: '<1@x>' })]);
  });

  it('frames TAKETHIS bodies that parse back to the articles, cut by bytes', () => {
    const arts = [0, 1, 2, 3, 4].map((n) => Buffer.from(json(n)));
    const bodies = takethisBodies(arts, arts[0].length * 2 + 2);
    expect(bodies.map((b) => b.count)).toEqual([2, 2, 1]);
    const back = bodies.flatMap((b) => (JSON.parse(b.body.toString()) as { articles: unknown[] }).articles);
    expect(back).toEqual(arts.map((a) => JSON.parse(a.toString())));
  });
});
