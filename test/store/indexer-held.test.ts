/**
 * The search indexer takes what the ingest just accepted from the commit (issue 14, cheaper
 * commits): it indexes those articles without reading them back from the store, crossposts
 * once, and past its bound it lets the oldest go and reads them back when their turn comes.
 */
import { silentLogger } from '../../node/logger';
import { Indexer } from '../../node/reading/indexer';
import { SearchIndex } from '../../node/reading/search-index';
import { openIngestFixture, type IngestFixture } from '../helpers/ingest-fixture';
import { makeArticle } from '../helpers/node';

let f: IngestFixture;
let indexer: Indexer;
let readBack: string[];

beforeEach(async () => {
  f = await openIngestFixture('newsmesh-indexer-held-');
  indexer = new Indexer({ store: f.store, clock: f.clock, logger: silentLogger() }, new SearchIndex());
  f.ingest.onAccepted((events) => indexer.onAccepted(events));
  readBack = [];
  const read = f.store.getManyStored.bind(f.store);
  jest.spyOn(f.store, 'getManyStored').mockImplementation(async (ids) => {
    readBack.push(...ids);
    return read(ids);
  });
});

afterEach(() => f.close());

const hits = (q: string) => indexer.index.search(indexer.index.terms(q), { sort: 'best', offset: 0, limit: 50 }).hits.map((h) => h.id);

it('indexes articles it was handed by their commit without reading them back', async () => {
  const articles = Array.from({ length: 20 }, (_, i) => makeArticle({ newsgroups: [`test.g${i % 3}`], subject: `held ${i}`, body: `zebra ${i}\n` }, i));
  const cross = makeArticle({ id: '<cross@x>', newsgroups: ['test.g2', 'test.g0'], body: 'zebra crossed\n' });
  await f.ingest.submit([...articles, cross], { kind: 'local' });
  await indexer.catchUp();
  expect(hits('zebra').sort()).toEqual([...articles.map((a) => a.id as string), '<cross@x>'].sort());
  expect(readBack).toEqual([]);
});

it('lets the oldest go past its bound and reads them back when their turn comes', async () => {
  // 160 bodies of 60,000 characters: more than the 8 MB the indexer holds.
  const body = `${'walrus '.repeat(8571)}\n`;
  const articles = Array.from({ length: 160 }, (_, i) => makeArticle({ body }, i));
  for (let i = 0; i < articles.length; i += 40) await f.ingest.submit(articles.slice(i, i + 40), { kind: 'local' });
  await indexer.catchUp();
  expect(indexer.index.size).toBe(160);
  expect(readBack.length).toBeGreaterThan(0);
  expect(readBack.length).toBeLessThan(160);
  // The ones read back are the oldest.
  expect(readBack).toEqual(articles.slice(0, readBack.length).map((a) => a.id));
});
