/**
 * Builders for the gossip tests: in-process nodes running only the gossip part (real
 * LevelDB, real HTTP on 127.0.0.1 port 0), peering over the local API, posting, polling.
 */
import { gossipPart, type GossipPartOptions } from '../../node/gossip/gossip-part';
import type { NodeConfigInput } from '../../node/config';
import type { PeerInfo } from '../../protocol/api';
import { startTestNode, type TestNode } from '../helpers/node';
import type { RunningNode, StartOptions } from '../../node/main';

/** Fast-reacting settings for tests (timeouts short, watchdog quick). */
export const TEST_GOSSIP: GossipPartOptions = {
  requestTimeoutMs: 3_000,
  helloTimeoutMs: 3_000,
  backoffBaseMs: 100,
  backoffCapMs: 1_000,
  inFlightTtlMs: 2_000,
  watchdogMs: 500,
  stallMs: 5_000,
};

export function startGossipNode(config: Partial<NodeConfigInput> = {}, gossip: GossipPartOptions = {}, opts: Omit<StartOptions, 'parts'> = {}): Promise<TestNode> {
  return startTestNode(config, { ...opts, parts: [gossipPart({ ...TEST_GOSSIP, ...gossip })] });
}

export async function api<T = unknown>(node: { webUrl: string }, method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const res = await fetch(`${node.webUrl}${path}`, {
    method,
    // Changes are JSON requests even without a body (the web listener's owner guard).
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
}

export async function addPeer(from: { webUrl: string }, to: { peerUrl: string }, groups?: string): Promise<{ name: string; state: string }> {
  const r = await api<{ name: string; state: string; error?: { message: string } }>(from, 'POST', '/api/peers', { url: to.peerUrl, ...(groups ? { groups } : {}) });
  if (r.status !== 201) throw new Error(`peering failed: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data;
}

export async function peers(node: { webUrl: string }): Promise<PeerInfo[]> {
  return (await api<PeerInfo[]>(node, 'GET', '/api/peers')).data;
}

/** Posts through the node's service (what the local API does), returning the new id. */
export async function post(node: RunningNode, group = 'test.a', body = 'hello'): Promise<string> {
  const { id } = await node.components.service.post({ newsgroups: [group], from: 'tester@example', subject: `s ${group}`, body });
  return id;
}

export async function idsOf(node: RunningNode): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const k of node.components.store.subs.articles.keys()) out.add(k);
  return out;
}

export async function has(node: RunningNode, id: string): Promise<boolean> {
  return (await node.components.store.getStored(id)) !== undefined;
}

/** The shared polling helper (test/helpers/wait.ts), here for the gossip tests that import it from the harness. */
export { waitFor } from '../helpers/wait';

export async function destroyAll(nodes: (TestNode | undefined)[]): Promise<void> {
  await Promise.allSettled(nodes.filter((n): n is TestNode => n !== undefined).map((n) => n.destroy()));
}
