/**
 * The send window of a link (node/gossip/send-window.ts): full batches until a request times
 * out, then batches, chunks and bytes in flight held to what the link carried in half the
 * timeout, growing back as the link shows it carries more.
 */
import { SendWindow } from '../../node/gossip/send-window';

const MB = 1024 * 1024;
const init = { maxBytes: 4 * MB, chunkBytes: MB, timeoutMs: 3_000 };

describe('SendWindow', () => {
  it('leaves a link that never timed out alone', () => {
    const w = new SendWindow(init);
    for (let i = 0; i < 10; i++) w.start(1000, 0);
    expect(w.open).toBe(true);
    expect(w.ids(1000)).toBe(1000);
    expect(w.chunkBytes).toBe(MB);
  });

  it('after a timeout, sizes batches to what the link carries in half the timeout', () => {
    const w = new SendWindow(init);
    // 400 articles of 3 KB over a 256 KB/s link: the batch cannot finish in 3 s.
    const t = w.start(400, 0);
    w.timedOut(t, 3_000);
    expect(w.state.slow).toBe(true);
    expect(w.state.bytes).toBeLessThan(MB);
    // Batches as the link carries them: ~256 KB/s measured.
    let now = 3_000;
    for (let i = 0; i < 20; i++) {
      const ids = w.ids(1000);
      const b = w.start(ids, now);
      expect(w.open).toBe(false); // one batch fills the window: the next waits
      const bytes = ids * 3_000;
      now += (bytes / (256 * 1024)) * 1000;
      w.end(b, now, bytes, ids);
    }
    // Half the timeout's worth at 256 KB/s, within rounding.
    expect(w.state.bytes).toBeGreaterThan(0.8 * 384 * 1024);
    expect(w.state.bytes).toBeLessThan(1.2 * 384 * 1024);
    expect(w.ids(1000)).toBeGreaterThan(100);
    expect(w.ids(1000)).toBeLessThan(160);
    expect(w.chunkBytes).toBeLessThanOrEqual(w.state.bytes);
  });

  it('cuts once for the batches of one timed-out round, and grows back on a faster link', () => {
    const w = new SendWindow(init);
    const ts = [w.start(300, 0), w.start(300, 0), w.start(300, 0)];
    for (const t of ts) w.timedOut(t, 3_000);
    const cut = w.state.bytes;
    expect(cut).toBe(Math.floor((900 * 4096) / 4));
    // The link is fast now: 10 MB/s.
    let now = 3_000;
    for (let i = 0; i < 30; i++) {
      const ids = w.ids(1000);
      const b = w.start(ids, now);
      now += ((ids * 3_000) / (10 * MB)) * 1000;
      w.end(b, now, ids * 3_000, ids);
    }
    expect(w.state.bytes).toBe(4 * MB);
    expect(w.ids(1000)).toBe(1000);
  });
});
