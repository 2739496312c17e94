/**
 * CPU of answering one hello with key proof, for the security section: an in-process node
 * (gossip part only, real LevelDB) answers challenge + hello from known peers greeting again,
 * the common case, and each answer's process CPU (main thread and LevelDB's threads) is
 * counted; the peers' own signing between the two steps is left out. Also the cost of one
 * Ed25519 verification alone, and of a first hello from a new peer. Target: under 1 ms.
 */
import { gossipPart } from '../../node/gossip/gossip-part';
import type { GossipEngine } from '../../node/gossip/gossip-engine';
import { generateNodeKey, type NodeKey } from '../../node/identity/node-key';
import { helloSigValid, signHello } from '../../node/identity/key-proof';
import { silentLogger } from '../../node/logger';
import { startNode } from '../../node/main';
import { HelloSchema, type Hello } from '../../protocol/peer-messages';
import { tempDir } from '../helpers/tmp';

export interface HelloCost {
  /** Process CPU per answered challenge + hello, µs (mean and p99 over `rounds`). */
  cpuUsPerHello: number;
  cpuUsP50: number;
  cpuUsP99: number;
  /** The same for a peer's first hello (a new record). */
  cpuUsFirstHello: number;
  /** One Ed25519 signature verification alone, µs. */
  verifyUs: number;
  rounds: number;
  targetUs: number;
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function signedHello(me: NodeKey, name: string, port: number, challenge: string, to: string): Hello {
  const fields = { name, url: `http://127.0.0.1:${port}`, token: 'bench-token-0123456789abcdef', key: me.key, challenge, time: Date.now(), to, nonce: 'bench-nonce-0123456789abcdef' };
  return HelloSchema.parse({ ...fields, version: 1, sig: signHello(me, fields) });
}

/** Answers `rounds` hellos from `peers` known peers; measures the answering node only. */
export async function measureHelloCost(opts: { peers?: number; rounds?: number } = {}): Promise<HelloCost> {
  const peers = opts.peers ?? 32;
  const rounds = opts.rounds ?? 2_000;
  const tmp = tempDir('newsmesh-bench-hello-');
  // The bench greets from one address far more often than a stranger may: no per-address limit here.
  const limit = { burst: 1e9, perMinute: 1e9, penaltyBaseMs: 1, penaltyCapMs: 1, maxAddresses: 10 };
  const node = await startNode(
    { data: tmp.dir, name: 'bench-answerer', web: '127.0.0.1:0', listen: '127.0.0.1:0', maxPeers: peers + 8 },
    { logger: silentLogger(), parts: [gossipPart({ helloLimit: limit, watchdogMs: 60_000 })] },
  );
  try {
    const engine = node.components.service.peers as unknown as GossipEngine;
    const keys = Array.from({ length: peers }, () => generateNodeKey());
    const ctx = { host: new URL(node.peerUrl).host, protocol: 'http' };
    const answer = async (i: number): Promise<number> => {
      let spent = 0;
      let t = cpuUs();
      const ch = engine.handleChallenge({ nonce: 'bench-nonce-0123456789abcdef' });
      spent += cpuUs() - t;
      const hello = signedHello(keys[i % peers], `bench-peer-${i % peers}`, 20_000 + (i % peers), ch.challenge, node.peerUrl);
      t = cpuUs();
      HelloSchema.parse(hello); // what the route's validation does
      await engine.handleHello(hello, ctx);
      return spent + cpuUs() - t;
    };
    const first: number[] = [];
    for (let i = 0; i < peers; i++) first.push(await answer(i));
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) samples.push(await answer(i));
    samples.sort((a, b) => a - b);

    const probe = signedHello(keys[0], 'probe', 9, 'c'.repeat(43), node.peerUrl);
    const { sig, version: _v, ...fields } = probe;
    const n = 2_000;
    const t0 = cpuUs();
    for (let i = 0; i < n; i++) helloSigValid(fields, sig);
    const verifyUs = (cpuUs() - t0) / n;

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      cpuUsPerHello: Math.round(mean(samples)),
      cpuUsP50: Math.round(samples[Math.floor(samples.length * 0.5)]),
      cpuUsP99: Math.round(samples[Math.floor(samples.length * 0.99)]),
      cpuUsFirstHello: Math.round(mean(first)),
      verifyUs: Math.round(verifyUs),
      rounds,
      targetUs: 1_000,
    };
  } finally {
    await node.close();
    tmp.cleanup();
  }
}
