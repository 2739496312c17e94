/**
 * The swarm mirror's index state (node/mirror/swarm-index.ts), without I/O: overlapping
 * listings want each id once, a taken id is not handed out twice, a source that lacks an id
 * passes it to the others (or it is missing), and a cursor passes a slice only once none of
 * its ids is wanted.
 */
import { LIMITS } from '../../protocol/limits';
import { emptySourceIndex, SwarmIndex, type Slice } from '../../node/mirror/swarm-index';

const page = (from: number, to: number) => ({ entries: Array.from({ length: to - from + 1 }, (_, k) => ({ n: from + k, id: `<${from + k}@t>` })), high: to });

function setup(batchIds = 2) {
  const sources = [emptySourceIndex(), emptySourceIndex()];
  const index = new SwarmIndex(sources, batchIds);
  const add = (i: number, p: ReturnType<typeof page>, held: Record<string, number> = {}) => {
    const { known, unknown } = index.unknownIds(p);
    index.addPage(i, p, known, unknown.map((id) => (id in held ? { s: 'a' as const, at: held[id] } : undefined)), 1000, 500);
  };
  const passed: [number, Slice][] = [];
  const advance = () => index.advance((i, s) => passed.push([i, s]));
  return { sources, index, add, passed, advance };
}

describe('swarm index', () => {
  it('wants an id two sources list once, and hands it to one taker only', () => {
    const { sources, index, add } = setup();
    add(0, page(1, 4));
    add(1, page(3, 6));
    expect(sources.map((s) => s.unsettled)).toEqual([4, 4]);
    expect(index.take(0, 10)).toEqual(['<1@t>', '<2@t>', '<3@t>', '<4@t>']);
    // 3 and 4 are being fetched by source 0: source 1 gets only what nobody holds.
    expect(index.take(1, 10)).toEqual(['<5@t>', '<6@t>']);
    index.giveBack(['<4@t>']);
    expect(index.take(1, 10)).toEqual(['<4@t>']);
  });

  it('moves an id a source does not serve to the others, and counts it missing when nobody else lists it', () => {
    const { index, add } = setup();
    add(0, page(1, 2));
    add(1, page(2, 3));
    index.take(0, 10);
    expect(index.dropHolder(0, ['<1@t>', '<2@t>'])).toBe(1);
    expect(index.isWanted('<1@t>')).toBe(false);
    expect(index.take(1, 10)).toEqual(['<2@t>', '<3@t>']);
  });

  it('passes a slice only once none of its ids is wanted, counting what was held before the job', () => {
    const { index, add, passed, advance } = setup(2);
    // 1 was held before the job began (at 100 < since 500): counted as held, not wanted.
    add(0, page(1, 5), { '<1@t>': 100 });
    expect(advance()).toBe(false);
    index.settle('<2@t>');
    expect(advance()).toBe(false);
    index.settle('<3@t>');
    expect(advance()).toBe(true);
    expect(passed).toEqual([[0, { lastN: 3, held: 1, waiting: 0 }]]);
    // Written ids are not wanted again when a later page lists them (their commit may be on its way).
    index.markWritten('<3@t>', 10);
    add(1, page(3, 3));
    expect(index.isWanted('<3@t>')).toBe(false);
  });

  it('never wants an id removed here on purpose (a tombstone), however old, as a one-source mirror does', () => {
    const { index, passed, advance } = setup();
    const p = page(1, 2);
    const { known } = index.unknownIds(p);
    const now = 10 * LIMITS.rejectedMemoryMs;
    index.addPage(0, p, known, [{ s: 'g', at: 1, by: 'owner' }, { s: 'r', at: 1 }], now, now - 1);
    expect(index.isWanted('<1@t>')).toBe(false);
    // An old refusal gets another chance.
    expect(index.isWanted('<2@t>')).toBe(true);
    index.settle('<2@t>');
    expect(advance()).toBe(true);
    expect(passed).toEqual([[0, { lastN: 2, held: 1, waiting: 0 }]]);
  });

  it('gives up a source: its ids go to the others, those only it listed are missing', () => {
    const { sources, index, add } = setup();
    add(0, page(1, 3));
    add(1, page(3, 4));
    expect(index.giveUp(0)).toBe(2);
    expect(sources[0].slices).toEqual([]);
    expect(index.take(1, 10)).toEqual(['<3@t>', '<4@t>']);
  });
});
