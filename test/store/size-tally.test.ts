/**
 * The running byte totals of retention by size (node/takedown/size-tally.ts) on real LevelDB:
 * a catch-up reads in chunks only what came since the last one, and removals through the
 * Remover take off what was counted (not what was not read yet).
 */
import { silentLogger } from '../../node/logger';
import { Remover } from '../../node/takedown/remover';
import { SizeTally, sizeOf } from '../../node/takedown/size-tally';
import { prefixRange } from '../../node/store/keys';
import { openIngestFixture, type IngestFixture } from '../helpers/ingest-fixture';
import { makeArticle } from '../helpers/node';

let f: IngestFixture;
let remover: Remover;

beforeEach(async () => {
  f = await openIngestFixture('newsmesh-tally-');
  remover = new Remover({ ...f, logger: silentLogger(), reading: () => null });
});

afterEach(() => f.close());

async function post(group: string, from: number, n: number): Promise<string[]> {
  const articles = Array.from({ length: n }, (_, i) => makeArticle({ newsgroups: [group], body: 'x'.repeat(10 * (from + i)) }, from + i));
  await f.ingest.submit(articles, { kind: 'import' });
  return articles.map((a) => a.id as string);
}

/** What re-reading the whole index would give. */
async function summed(group: string): Promise<number> {
  let sum = 0;
  for await (const ov of f.store.subs.groupIndex.values(prefixRange(group))) sum += sizeOf(ov);
  return sum;
}

it('reads what came since the last call, in chunks, and follows removals', async () => {
  const tally = new SizeTally({ store: f.store, remover }, 3);
  const a = await post('t.a', 0, 10);
  await post('t.b', 100, 2);
  expect(await tally.bytes(['t.a'])).toBe(await summed('t.a'));
  expect(tally.entriesRead).toBe(10);
  await post('t.a', 10, 4);
  expect(await tally.bytes(['t.a', 't.b'])).toBe((await summed('t.a')) + (await summed('t.b')));
  expect(tally.entriesRead).toBe(16);
  await remover.remove([a[0], a[5]].map((id) => ({ id, by: 'owner' as const, reason: 'spam' })));
  expect(await tally.bytes(['t.a', 't.b'])).toBe((await summed('t.a')) + (await summed('t.b')));
  expect(tally.entriesRead).toBe(16);
});
