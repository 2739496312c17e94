/**
 * `--serve-rate`'s token bucket (node/archive/serve-rate.ts) on a manual clock: a second of
 * burst, then what fits a short pace, then refusals with the wait until one fits; over any
 * window the articles granted stay within rate × (window + burst + pace).
 */
import { ServeRate } from '../../node/archive/serve-rate';
import { ManualClock } from '../helpers/manual-clock';

describe('ServeRate', () => {
  it('grants a burst and a paced share, then refuses until the debt is paid', () => {
    const clock = new ManualClock(0);
    const b = new ServeRate(clock, { rate: 100, maxWaitMs: 1000 });
    expect(b.take(150)).toEqual({ ok: true, granted: 150, waitMs: 500 });
    // 50 more fit in the second of pacing; the rest is for `more`.
    expect(b.take(200)).toEqual({ ok: true, granted: 50, waitMs: 1000 });
    const refused = b.take(10);
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryAfterMs).toBe(10);
    clock.advance(500);
    expect(b.take(1000)).toEqual({ ok: true, granted: 50, waitMs: 1000 });
    expect(b.refused).toBe(1);
  });

  it('keeps any window within rate × (window + burst + pace)', () => {
    const clock = new ManualClock(0);
    const rate = 5000;
    const b = new ServeRate(clock, { rate });
    let granted = 0;
    for (let ms = 0; ms < 10_000; ms += 7) {
      clock.advance(7);
      const d = b.take(200);
      if (d.ok) granted += d.granted;
    }
    expect(granted).toBeLessThanOrEqual(rate * (10 + 1 + 1));
    expect(granted).toBeGreaterThanOrEqual(rate * 10);
  });

  it('is unlimited at rate 0', () => {
    const b = new ServeRate(new ManualClock(0), { rate: 0 });
    expect(b.take(1_000_000)).toEqual({ ok: true, granted: 1_000_000, waitMs: 0 });
    expect(b.limited).toBe(false);
  });
});
