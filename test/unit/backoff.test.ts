/**
 * The one back-off (node/backoff.ts, over `retry`'s createTimeout) gives the waits the two
 * hand-written ones gave: reconnects in the upper half of a doubling wait capped before the
 * jitter, mirror retries +-25% around it, penalties exact.
 */
import { Backoff, backoffDelay, EXACT } from '../../node/backoff';

describe('backoff', () => {
  it('doubles from base to the cap, jittered in the upper half', () => {
    const lo = new Backoff({ baseMs: 500, capMs: 180_000, random: () => 0 });
    const hi = new Backoff({ baseMs: 500, capMs: 180_000, random: () => 1 });
    const los = Array.from({ length: 12 }, () => lo.next());
    const his = Array.from({ length: 12 }, () => hi.next());
    expect(his).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 180000, 180000, 180000]);
    expect(los).toEqual(his.map((x) => x / 2));
    expect(lo.attempts).toBe(12);
    lo.reset();
    expect(lo.next()).toBe(250);
  });

  it('never passes the cap, whatever the jitter and however many failures', () => {
    for (const r of [0, 0.3, 0.999]) for (const f of [0, 5, 40, 5000]) expect(backoffDelay(f, { baseMs: 100, capMs: 1000, random: () => r })).toBeLessThanOrEqual(1000);
  });

  it('spreads mirror retries +-25% around the doubled wait, and penalties exactly', () => {
    const mirror = (f: number, r: number) => backoffDelay(f, { baseMs: 500, capMs: 60_000, jitter: [0.75, 1.25], random: () => r });
    expect([mirror(0, 0), mirror(0, 1), mirror(3, 0.5), mirror(20, 1)]).toEqual([375, 625, 4000, 75_000]);
    expect([0, 1, 2, 30].map((f) => backoffDelay(f, { baseMs: 1000, capMs: 600_000, jitter: EXACT }))).toEqual([1000, 2000, 4000, 600_000]);
  });

  it('waits nothing with a base of 0', () => {
    expect(backoffDelay(3, { baseMs: 0, capMs: 1000 })).toBe(0);
  });
});
