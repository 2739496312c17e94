/**
 * A flapping link (issue 11, item 2): the only link between two pairs of nodes goes down and
 * up every few seconds (refused, stalled, reset in turn) while all four keep posting. Nothing
 * is lost and nothing is stored twice; bodies sent twice are only those whose answer the link
 * swallowed or whose in-flight mark expired. A full minute of flapping.
 */
import { checkStore } from '../../node/store/check';
import { converged, peerRows, stats } from '../helpers/convergence';
import { ProxyMesh } from '../helpers/proxy-mesh';

// A full minute, as issue 11 asks, in `npm test` too.
const FLAP_MS = 60_000;
jest.setTimeout(FLAP_MS + 120_000);

const GOSSIP = { requestTimeoutMs: 3_000, helloTimeoutMs: 3_000, backoffBaseMs: 100, backoffCapMs: 1_000, inFlightTtlMs: 2_000, watchdogMs: 500, stallMs: 5_000 };

describe('a link that flaps', () => {
  let mesh: ProxyMesh | undefined;
  afterAll(() => mesh?.close());

  it(`loses nothing and stores nothing twice over ${FLAP_MS / 1000} s of flapping`, async () => {
    mesh = await ProxyMesh.start(['flap-0', 'flap-1', 'flap-2', 'flap-3'], { gossip: GOSSIP });
    const m = mesh;
    for (const [a, b] of [[0, 1], [2, 3], [1, 2]]) await m.peer(a, b);
    const bridge = m.both(1, 2);
    for (const p of bridge) p.flap({ upMs: 2_000, downMs: 1_200, mode: 'mixed' });

    // All four post steadily (about 40 a second in all) for as long as the link flaps.
    const ids: string[] = [];
    const t0 = Date.now();
    let i = 0;
    while (Date.now() - t0 < FLAP_MS) {
      const batch = await Promise.all(
        m.nodes.map(async (n) => {
          const res = await fetch(`${n.webUrl}/api/articles`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ newsgroups: [`flap.${i % 3}`], from: 'flap@example', subject: `flap ${i}`, body: `${i++} ${'z'.repeat(500)}\n` }),
          });
          expect(res.status).toBe(201);
          return ((await res.json()) as { id: string }).id;
        }),
      );
      ids.push(...batch);
      // Load pacing (a rate, not a wait for a condition).
      await new Promise((r) => setTimeout(r, 100));
    }
    const flaps = bridge.reduce((s, p) => s + p.stats.cuts, 0);
    for (const p of bridge) p.clear();

    const all = await converged(m.nodes, new Set(ids), { timeoutMs: 60_000 });
    for (const h of all) expect(h.problems).toEqual([]);
    for (const n of m.nodes) expect((await checkStore(n.components.store)).problems).toEqual([]);
    expect(flaps).toBeGreaterThanOrEqual(Math.floor(FLAP_MS / 3_200));
    // Bodies that crossed twice: only where a batch's answer was lost on the way back (a body
    // sent again that the peer already stored) or a mark expired; each flap can void at most
    // the batches in flight then.
    let duplicate = 0;
    let missed = 0;
    for (const n of m.nodes) {
      duplicate += (await stats(n.webUrl)).articlesDuplicate;
      for (const p of await peerRows(n.webUrl)) missed += p.unfulfilled ?? 0;
    }
    expect(duplicate).toBeLessThanOrEqual(missed + flaps * 4 * 40);
  });
});
