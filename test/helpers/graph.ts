/** Random graphs for multi-node tests and benchmarks, replayable from a seed. */

/** Deterministic PRNG so a graph can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** A random connected d-regular simple graph on n nodes (configuration model, retried). */
export function randomRegular(n: number, d: number, rand: () => number): [number, number][] {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const stubs = Array.from({ length: n * d }, (_, i) => Math.floor(i / d));
    for (let i = stubs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [stubs[i], stubs[j]] = [stubs[j], stubs[i]];
    }
    const edges: [number, number][] = [];
    const seen = new Set<string>();
    let ok = true;
    for (let i = 0; i < stubs.length && ok; i += 2) {
      const [u, v] = [Math.min(stubs[i], stubs[i + 1]), Math.max(stubs[i], stubs[i + 1])];
      ok = u !== v && !seen.has(`${u}-${v}`);
      seen.add(`${u}-${v}`);
      edges.push([u, v]);
    }
    if (!ok) continue;
    const reach = new Set([0]);
    for (let k = 0; k < n; k++) for (const [u, v] of edges) if (reach.has(u) || reach.has(v)) reach.add(u).add(v);
    if (reach.size === n) return edges;
  }
  throw new Error('no connected regular graph found');
}
