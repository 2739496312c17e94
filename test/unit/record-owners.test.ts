/**
 * One owner for every record (issue 10), drawn from the sources: the outbound queues are
 * touched only by node/feed (and read by the offline check), the history time index only by
 * the ingest and the store's history-index helpers, and nobody reaches into the ingest's
 * commit through the old back door (`ingest.submit([], ..., ops)`) or routes articles from
 * inside it except through a commit hook.
 */
import { sources, text } from '../helpers/architecture';

const all = () => [...sources('node'), ...sources('web')];
const using = (pattern: RegExp) => all().filter((f) => pattern.test(text(f)));

it('the outbound queues belong to node/feed', () => {
  expect(using(/subs\.queues\b/).filter((f) => !f.startsWith('node/feed/') && f !== 'node/store/check.ts')).toEqual([]);
});

it('history records and their time index are written by the ingest and the store helpers only', () => {
  expect(using(/subs\.historyByTime\b|historyOps\(|expireOps\(/).filter((f) => !f.startsWith('node/ingest/') && !f.startsWith('node/store/'))).toEqual([]);
  expect(using(/sublevel: [^,]*subs\.history\b|subs\.history\.(put|del|batch)\(/).filter((f) => !f.startsWith('node/ingest/') && !f.startsWith('node/store/'))).toEqual([]);
});

it('nobody writes through an empty submission or plugs a router into the ingest', () => {
  expect(using(/\.submit\(\s*\[\]/)).toEqual([]);
  expect(using(/\.setRouter\(/)).toEqual([]);
});
