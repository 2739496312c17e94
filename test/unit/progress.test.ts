/**
 * The mirror's progress line reads right in every state: no percentage or ETA before the
 * peer's count is known, no "100%" for an empty or failed job, no NaN or Infinity anywhere.
 */
import { duration, progressLine } from '../../node/cli/progress';
import type { MirrorJobView } from '../../protocol/archive-messages';

type J = Pick<MirrorJobView, 'group' | 'state' | 'done' | 'total' | 'rate' | 'error' | 'rejected' | 'sources'>;
const job = (over: Partial<J>): J => ({ group: 'test.a', state: 'running', done: 0, total: 0, ...over });

const CASES: [string, J, string][] = [
  ['running, before the count', job({}), "mirror test.a [--------------------] waiting for the peer's index"],
  ['running, retrying before the count', job({ error: 'peer x unreachable' }), "mirror test.a [--------------------] waiting for the peer's index | retrying: peer x unreachable"],
  ['running, no rate yet', job({ done: 10, total: 1000 }), 'mirror test.a [--------------------] 1% 10/1,000 | 0/s | ETA --'],
  ['running', job({ done: 4200, total: 10_000, rate: 1200 }), 'mirror test.a [########------------] 42% 4,200/10,000 | 1,200/s | ETA 5s'],
  ['running, slow', job({ done: 1, total: 100_000, rate: 10 }), 'mirror test.a [--------------------] 0% 1/100,000 | 10/s | ETA 2h46m'],
  ['running, retrying', job({ done: 5, total: 10, rate: 0, error: 'HTTP 503' }), 'mirror test.a [##########----------] 50% 5/10 | 0/s | ETA -- | retrying: HTTP 503'],
  ['running, past the count', job({ done: 12, total: 10, rate: 3 }), 'mirror test.a [####################] 100% 12/10 | 3/s | ETA 0s'],
  ['done', job({ state: 'done', done: 10, total: 10 }), 'mirror test.a [####################] 100% 10/10 | done'],
  ['done short, with refusals', job({ state: 'done', done: 36, total: 40, rejected: 4 }), 'mirror test.a [##################--] 90% 36/40 | done, 4 refused'],
  ['done, empty group', job({ state: 'done' }), 'mirror test.a [--------------------] 0/0 | done'],
  ['failed before anything', job({ state: 'failed', error: 'peer x has no group test.a' }), 'mirror test.a [--------------------] 0/0 | failed: peer x has no group test.a'],
  ['failed midway', job({ state: 'failed', done: 3, total: 6, error: 'gave up' }), 'mirror test.a [##########----------] 3/6 | failed: gave up'],
  ['cancelled', job({ state: 'cancelled', done: 3, total: 6 }), 'mirror test.a [##########----------] 3/6 | cancelled'],
  ['one source: no per-source part', job({ done: 5, total: 10, rate: 1, sources: [{ url: 'http://a:1', done: 5, rate: 1, state: 'active' }] }), 'mirror test.a [##########----------] 50% 5/10 | 1/s | ETA 5s'],
  [
    'swarm, each source',
    job({
      done: 9000,
      total: 10_000,
      rate: 9000,
      sources: [
        { url: 'http://a:1', done: 5000, rate: 5000, state: 'active' },
        { url: 'http://b:2', done: 4000, rate: 4000, state: 'active' },
        { url: 'http://c:3', done: 0, rate: 0, state: 'failed', error: 'unreachable' },
      ],
    }),
    'mirror test.a [##################--] 90% 9,000/10,000 | 9,000/s | ETA 0s | a:1 5,000 5,000/s, b:2 4,000 4,000/s, c:3 0 failed',
  ],
];

describe('mirror progress line', () => {
  it.each(CASES)('%s', (_name, j, line) => {
    expect(progressLine(j)).toBe(line);
    expect(progressLine(j)).not.toMatch(/NaN|Infinity|undefined|LL/);
  });

  it('formats durations', () => {
    expect([duration(0), duration(59.6), duration(61), duration(3600 + 125), duration(-3)]).toEqual(['0s', '1m00s', '1m01s', '1h02m', '0s']);
  });
});
