/**
 * What the security bench measures in each phase, the same way quiet and under attack: the
 * victim's /healthz on both listeners every 50 ms, the owner's posts on the victim (10 a
 * second, with the web password), and the honest peer's posts (2 a second on its own node)
 * timed until the victim serves them. Every request and wait is bounded.
 */
import { Agent } from 'undici';
import type { NodeProcess } from '../helpers/process';
import { paced, pause } from './security-client';

export interface Sample {
  ms: number[];
  failed: number;
  reasons: Record<string, number>;
}

export interface PhaseFigures {
  healthWeb: Sample;
  healthPeer: Sample;
  posts: Sample;
  arrivals: Sample;
  /** Arrival ms of each honest article that arrived. */
  arrivalById: Map<string, number>;
}

export interface PhaseContext {
  victim: NodeProcess;
  honest: NodeProcess;
  password: string;
}

const ARRIVAL_LIMIT_MS = 15_000;
const sample = (): Sample => ({ ms: [], failed: 0, reasons: {} });
const fail = (s: Sample, why: string) => {
  s.failed++;
  s.reasons[why] = (s.reasons[why] ?? 0) + 1;
};

async function request(agent: Agent, base: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await agent.request({
    origin: base,
    path,
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Times `fn`; a throw or an unexpected status counts as a failure with its reason. */
async function timed(s: Sample, expect: number, fn: () => Promise<{ status: number; text: string }>): Promise<string | null> {
  const t0 = performance.now();
  try {
    const res = await fn();
    if (res.status !== expect) {
      fail(s, String(res.status));
      return null;
    }
    s.ms.push(performance.now() - t0);
    return res.text;
  } catch (err) {
    fail(s, (err as Error & { code?: string }).code ?? (err as Error).name);
    return null;
  }
}

export async function measurePhase(ctx: PhaseContext, ms: number, onHonestId: (id: string) => void): Promise<PhaseFigures> {
  const until = Date.now() + ms;
  const out: PhaseFigures = { healthWeb: sample(), healthPeer: sample(), posts: sample(), arrivals: sample(), arrivalById: new Map() };
  const probes = new Agent({ connections: 2, keepAliveTimeout: 4_000 });
  const posts = new Agent({ connections: 2, keepAliveTimeout: 4_000 });
  const polls = new Agent({ connections: 8, keepAliveTimeout: 4_000 });
  const auth = { authorization: `Bearer ${ctx.password}` };
  const arrivals: Promise<void>[] = [];

  const arrival = async (id: string) => {
    const t0 = performance.now();
    const path = `/api/articles/${encodeURIComponent(id)}`;
    while (performance.now() - t0 < ARRIVAL_LIMIT_MS) {
      const res = await request(polls, ctx.victim.webUrl, 'GET', path).catch(() => null);
      if (res?.status === 200) {
        out.arrivals.ms.push(performance.now() - t0);
        return void out.arrivalById.set(id, performance.now() - t0);
      }
      await pause(20);
    }
    fail(out.arrivals, `not there after ${ARRIVAL_LIMIT_MS} ms`);
  };

  await Promise.all([
    paced(until, 50, 100_000, () => timed(out.healthWeb, 200, () => request(probes, ctx.victim.webUrl, 'GET', '/healthz'))),
    paced(until, 50, 100_000, () => timed(out.healthPeer, 200, () => request(probes, ctx.victim.peerUrl, 'GET', '/healthz'))),
    paced(until, 100, 100_000, (i) =>
      timed(out.posts, 201, () => request(posts, ctx.victim.webUrl, 'POST', '/api/articles', { newsgroups: ['bench.owner'], from: 'owner@example', subject: `owner post ${i}`, body: `an honest post ${i}\n` }, auth)),
    ),
    paced(until, 500, 100_000, async (i) => {
      const res = await request(posts, ctx.honest.webUrl, 'POST', '/api/articles', { newsgroups: ['bench.security'], from: 'honest@example', subject: `honest article ${i}`, body: `the honest text ${i}\n` }).catch(() => null);
      if (res?.status !== 201) return fail(out.arrivals, `honest post ${res?.status ?? 'failed'}`);
      const { id } = JSON.parse(res.text) as { id: string };
      onHonestId(id);
      arrivals.push(arrival(id));
    }),
  ]);
  await Promise.all(arrivals);
  await Promise.all([probes.close(), posts.close(), polls.close()]);
  return out;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  reasons?: Record<string, number>;
}

export function summarise(s: Pick<Sample, 'ms' | 'failed'> & { reasons?: Record<string, number> }): Summary {
  const xs = [...s.ms].sort((a, b) => a - b);
  const at = (p: number) => (xs.length === 0 ? NaN : Number(xs[Math.min(xs.length - 1, Math.floor(xs.length * p))].toFixed(1)));
  return { n: xs.length, p50: at(0.5), p99: at(0.99), max: at(1), failed: s.failed, ...(s.failed > 0 ? { reasons: s.reasons } : {}) };
}

export function summary(f: PhaseFigures): Record<Exclude<keyof PhaseFigures, 'arrivalById'>, Summary> {
  return { healthWeb: summarise(f.healthWeb), healthPeer: summarise(f.healthPeer), posts: summarise(f.posts), arrivals: summarise(f.arrivals) };
}
