/**
 * Search over real HTTP on one node: the API's results, filters, sort and paging; bad input
 * answered 400 naming the field; the index kept across a restart (saved with its cursor) and
 * caught up for articles accepted after the save; removed articles leave the results.
 */
import { startTestNode, type TestNode } from '../helpers/node';
import { readingPart } from '../../node/reading/reading-part';
import { webPart } from '../../web/part';
import type { SearchHit } from '../../protocol/reading';
import { waitFor } from '../helpers/wait';

const parts = [readingPart(), webPart];

async function search(node: TestNode, qs: string): Promise<SearchHit[]> {
  const res = await fetch(`${node.webUrl}/api/search?${qs}`);
  expect(res.status).toBe(200);
  return (await res.json()) as SearchHit[];
}

async function indexed(node: TestNode): Promise<void> {
  await waitFor('the index to catch up', async () => {
    const s = (await (await fetch(`${node.webUrl}/api/search/status`)).json()) as { pending: number; ready: boolean };
    return s.ready && s.pending === 0 ? true : undefined;
  });
}

describe('search', () => {
  let node: TestNode;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    node = await startTestNode({}, { parts });
    const post = (group: string, subject: string, body: string, from = 'Ada <ada@example>') =>
      node.components.service.post({ newsgroups: [group], from, subject, body });
    ids.zebra = (await post('zoo.animals', 'Zebra stripes', 'Why do zebras have stripes? Nobody knows for sure.')).id;
    ids.giraffe = (await post('zoo.animals', 'Long necks', 'The giraffe reaches high leaves.\n> zebra quoted here does not count\n', 'Grace <grace@example>')).id;
    ids.code = (await post('comp.lang.ts', 'Strict mode in TypeScript', 'Turn on strict mode; zebra crossing optional.')).id;
    for (let i = 0; i < 30; i++) await post('bulk.test', `Bulk ${i}`, `common word number ${i}`);
    await indexed(node);
  });
  afterAll(() => node.destroy());

  it('finds words in subject, from and body across groups, with snippet, group and number', async () => {
    const hits = await search(node, 'q=zebra');
    expect(hits.map((h) => h.id).sort()).toEqual([ids.zebra, ids.code].sort());
    // Best match first: the word in the subject ranks above the word in a body.
    expect(hits[0].id).toBe(ids.zebra);
    expect(hits[0]).toMatchObject({ group: 'zoo.animals', n: 1, subject: 'Zebra stripes', from: 'Ada <ada@example>' });
    expect(hits[0].snippet).toContain('zebras have stripes');
    expect(await search(node, 'q=grace')).toEqual([expect.objectContaining({ id: ids.giraffe })]);
  });

  it('leaves quoted lines out, requires every word, folds case, filters by group', async () => {
    expect((await search(node, 'q=giraffe+zebra')).length).toBe(0);
    expect((await search(node, 'q=STRICT+typescript')).map((h) => h.id)).toEqual([ids.code]);
    expect((await search(node, 'q=zebra&group=comp.lang.ts')).map((h) => h.id)).toEqual([ids.code]);
    expect(await search(node, 'q=zebra&group=no.such.group')).toEqual([]);
    expect(await search(node, 'q=')).toEqual([]);
  });

  it('pages results and sorts newest first on request', async () => {
    const newest = await search(node, 'q=common&sort=new&limit=10');
    expect(newest.map((h) => h.subject)).toEqual(Array.from({ length: 10 }, (_, i) => `Bulk ${29 - i}`));
    const page2 = await search(node, 'q=common&sort=new&limit=10&offset=10');
    expect(page2[0].subject).toBe('Bulk 19');
    const all = await search(node, 'q=common&limit=100');
    expect(all.length).toBe(30);
  });

  it('refuses bad input with 400 naming the field', async () => {
    for (const [qs, field] of [['q=x&limit=0', 'limit'], ['q=x&group=Bad Group', 'group'], [`q=${'x'.repeat(201)}`, 'q'], ['q=x&sort=worst', 'sort'], ['limit=5', 'q']] as const) {
      const res = await fetch(`${node.webUrl}/api/search?${qs}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('NM_ERR_VALIDATION');
      expect(body.error.message).toContain(field);
    }
  });

  it('drops an article that left the store from the results (the remove hook and the store check)', async () => {
    const reading = node.components.service.reading!;
    const before = await search(node, 'q=giraffe');
    expect(before.length).toBe(1);
    await reading.removed([ids.giraffe]);
    expect(await search(node, 'q=giraffe')).toEqual([]);
  });
});

describe('search index across a restart', () => {
  it('is saved at stop, loaded at start, and catches up with what came after', async () => {
    const first = await startTestNode({}, { parts });
    const dir = first.dir;
    await first.components.service.post({ newsgroups: ['keep.me'], from: 'k', subject: 'Persistent aardvark', body: 'kept' });
    await indexed(first);
    await first.close();
    // Posted while the index is not running: the cursor saved with it says what is missing.
    const plain = await startTestNode({ data: dir }, { parts: [] });
    await plain.components.service.post({ newsgroups: ['keep.me'], from: 'k', subject: 'Late aardvark', body: 'after' });
    await plain.close();
    const second = await startTestNode({ data: dir }, { parts });
    try {
      await indexed(second);
      const status = (await (await fetch(`${second.webUrl}/api/search/status`)).json()) as { docs: number; lastSavedAt: string | null };
      expect(status.lastSavedAt).not.toBeNull();
      expect((await search(second, 'q=aardvark&sort=new')).map((h) => h.subject)).toEqual(['Late aardvark', 'Persistent aardvark']);
    } finally {
      await second.destroy();
    }
  });
});
