/**
 * The MirrorService: starts, lists, cancels and resumes mirror jobs. Jobs live in the store
 * (`mirrors` sublevel); one runner per running job, restarted by `resume()` when the node
 * starts. A new job first checks the peer (peer-probe.ts), so a wrong URL is refused at once
 * rather than kept. Starting a job that exists (same peer URL and group) continues it from its
 * cursor, so a re-run fetches only what is new. One job id has at most one runner: a start
 * while another start or the resume of the same job is under way joins it. Cancelling stops a
 * job and removes it; the last few removed jobs are remembered so a watcher sees `cancelled`.
 * Several sources make a swarm job (swarm-runner.ts): every source is checked, and the job is
 * the same for the same set of URLs in any order.
 */
import { LRUCache } from 'lru-cache';
import { PeerUrlSchema } from '../../protocol/peer-messages';
import { mirrorSources, type StartMirror } from '../../protocol/api';
import type { MirrorJobView } from '../../protocol/archive-messages';
import { NmError, notFound } from '../errors';
import type { MirrorService } from '../feature-services';
import { jobId, toView, type MirrorJobRecord, type MirrorSourceRecord } from './job-record';
import { MirrorRunner, type RunnerComponents, type RunnerInit } from './mirror-runner';
import { SwarmRunner } from './swarm-runner';
import { probePeer } from './peer-probe';

/** Removed jobs remembered for GET /api/mirrors/ID (a watcher learns why its job is gone). */
const REMEMBER_REMOVED = 100;

interface Active {
  runner: MirrorRunner;
  abort: AbortController;
  finished: Promise<void>;
}

export class MirrorJobs implements MirrorService {
  private readonly active = new Map<string, Active>();
  /** Starts under way (peer check, record write), by job id: a second start joins the first. */
  private readonly starting = new Map<string, Promise<void>>();
  private readonly removed = new LRUCache<string, MirrorJobView>({ max: REMEMBER_REMOVED });
  private stopped = false;

  constructor(
    private readonly c: RunnerComponents,
    private readonly init: RunnerInit & { peerNameByUrl?: (url: string) => Promise<string | null> },
  ) {}

  /** Restarts every job that was running when the node stopped (or crashed). */
  async resume(): Promise<void> {
    for await (const value of this.c.store.subs.mirrors.values()) {
      const rec = value as MirrorJobRecord;
      if (rec.state !== 'running') continue;
      const pending = this.starting.get(rec.id);
      // The owner is starting it right now: that start launches it; if it fails, resume it as it was.
      if (pending) pending.catch(() => this.launch(rec));
      else this.launch(rec);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.active.values()) a.abort.abort();
    await Promise.all([...this.active.values()].map((a) => a.finished));
  }

  /** `started` is false when the job was already running (this request joined it). */
  async start(req: StartMirror): Promise<{ id: string; started: boolean }> {
    const given = mirrorSources(req);
    if (given.length > 1) return this.startSwarm(req, given);
    const peer = given[0];
    const { url, peerName } = await this.resolvePeer(peer, req.peers ? 'peers[0]' : 'peer');
    const id = jobId(url, req.group);
    const pending = this.starting.get(id);
    if (pending) {
      // Joins the start under way: its answer (or its refusal) is this one's too.
      await pending;
      return { id, started: false };
    }
    if (this.active.has(id)) return { id, started: false };
    return this.startOnce(id, () => this.begin(id, url, peerName, { ...req, peer }));
  }

  /** Runs `begin` holding the job's `starting` slot. */
  private async startOnce(id: string, begin: () => Promise<void>): Promise<{ id: string; started: boolean }> {
    const begun = begin();
    this.starting.set(id, begun);
    try {
      await begun;
    } finally {
      this.starting.delete(id);
    }
    return { id, started: true };
  }

  /** A swarm job: every source resolved and checked, then one record with a cursor each. */
  private async startSwarm(req: StartMirror, given: string[]): Promise<{ id: string; started: boolean }> {
    const resolved = await Promise.all(given.map((p, k) => this.resolvePeer(p, `peers[${k}]`)));
    const urls = resolved.map((r) => r.url);
    const twice = urls.findIndex((u, k) => urls.indexOf(u) !== k);
    if (twice >= 0) throw new NmError('NM_ERR_VALIDATION', `peers[${twice}]: ${given[twice]} is the same source as ${given[urls.indexOf(urls[twice])]}; give each source once`, 'peers');
    const id = jobId(urls, req.group);
    const pending = this.starting.get(id);
    if (pending) {
      await pending;
      return { id, started: false };
    }
    if (this.active.has(id)) return { id, started: false };
    return this.startOnce(id, async () => {
      const counts = await Promise.all(
        urls.map(async (url, k) => {
          try {
            return await probePeer(this.init.transport, url, req.group, await this.init.tokenFor?.(url));
          } catch (err) {
            if (err instanceof NmError) throw new NmError(err.code, `peers[${k}]: ${err.message}`, 'peers');
            throw err;
          }
        }),
      );
      const prior = (await this.c.store.subs.mirrors.get(id)) as MirrorJobRecord | undefined;
      const nowMs = this.c.clock.now();
      const now = new Date(nowMs).toISOString();
      const follow = (req.follow ?? false) || (prior?.follow ?? false);
      const sources: MirrorSourceRecord[] = urls.map((url, k) => {
        const old = prior?.sources?.find((s) => s.url === url);
        const peerName = resolved[k].peerName ?? old?.peerName;
        return { peer: given[k], url, ...(peerName ? { peerName } : {}), cursor: old?.cursor ?? 0, done: old?.done ?? 0, count: counts[k], state: 'active' };
      });
      const total = Math.max(...counts);
      const base = prior ?? { id, url: urls[0], group: req.group, followed: false, cursor: 0, done: 0, rejected: 0, rejections: [], createdAtMs: nowMs };
      const rec: MirrorJobRecord = { ...base, peer: given.join(' '), state: 'running', total: Math.max(total, prior?.total ?? 0), follow, followed: (prior?.followed ?? false) && prior?.follow === follow, startedAt: now, sources };
      delete rec.error;
      delete rec.finishedAt;
      delete rec.failingSince;
      await this.c.store.subs.mirrors.put(id, rec);
      this.removed.delete(id);
      this.launch(rec);
    });
  }

  /** Checks the peer, writes the job and launches it (the caller holds the job's `starting` slot). */
  private async begin(id: string, url: string, peerName: string | undefined, req: StartMirror & { peer: string }): Promise<void> {
    const total = await probePeer(this.init.transport, url, req.group, await this.init.tokenFor?.(url));
    const prior = (await this.c.store.subs.mirrors.get(id)) as MirrorJobRecord | undefined;
    const now = new Date(this.c.clock.now()).toISOString();
    const follow = (req.follow ?? false) || (prior?.follow ?? false);
    const rec: MirrorJobRecord = prior
      ? { ...prior, peer: req.peer, state: 'running', total, follow, followed: prior.followed && prior.follow === follow, startedAt: now }
      : { id, peer: req.peer, url, group: req.group, follow, followed: false, state: 'running', cursor: 0, done: 0, total, rejected: 0, rejections: [], startedAt: now };
    delete rec.error;
    delete rec.finishedAt;
    // Started again by its owner: a fresh give-up window.
    delete rec.failingSince;
    if (peerName) rec.peerName = peerName;
    await this.c.store.subs.mirrors.put(id, rec);
    this.removed.delete(id);
    this.launch(rec);
  }

  /**
   * Stops a job if it runs (its cursor stays where the last batch left it) and removes it.
   * Answers the job as it ended: `cancelled` when it was running, else its final state.
   */
  async cancel(id: string): Promise<MirrorJobView> {
    const live = this.active.get(id);
    if (live) {
      live.abort.abort();
      // The runner's last batch may still save the record; remove it only after that.
      await live.finished;
    }
    const rec = live?.runner.rec ?? ((await this.c.store.subs.mirrors.get(id)) as MirrorJobRecord | undefined);
    if (!rec) throw notFound(`mirror job ${id}`);
    await this.c.store.subs.mirrors.del(id);
    const view: MirrorJobView = { ...toView(rec), state: live ? 'cancelled' : rec.state };
    delete view.rate;
    this.removed.set(id, view);
    this.c.logger.info({ job: id, group: rec.group, url: rec.url, state: view.state }, 'mirror job removed');
    return view;
  }

  async list(): Promise<MirrorJobView[]> {
    const out: MirrorJobView[] = [];
    for await (const value of this.c.store.subs.mirrors.values()) {
      const rec = value as MirrorJobRecord;
      const live = this.active.get(rec.id);
      out.push(live ? toView(live.runner.rec, live.runner.rate(), live.runner.sourceRates()) : toView(rec));
    }
    return out.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  }

  async get(id: string): Promise<MirrorJobView | undefined> {
    const live = this.active.get(id);
    if (live) return toView(live.runner.rec, live.runner.rate(), live.runner.sourceRates());
    const rec = (await this.c.store.subs.mirrors.get(id)) as MirrorJobRecord | undefined;
    return rec ? toView(rec) : this.removed.get(id);
  }

  private launch(rec: MirrorJobRecord): void {
    // One runner per job: a resume that raced a start finds it running.
    if (this.stopped || this.active.has(rec.id)) return;
    const abort = new AbortController();
    const runner = rec.sources ? new SwarmRunner(this.c, this.init, rec, abort.signal) : new MirrorRunner(this.c, this.init, rec, abort.signal);
    const finished = runner
      .run()
      .catch((err) => this.c.logger.error({ err, job: rec.id }, 'mirror job crashed'))
      .finally(() => this.active.delete(rec.id));
    this.active.set(rec.id, { runner, abort, finished });
  }

  /** A peer URL as given, or the URL of the known peer with that name. */
  private async resolvePeer(peer: string, field = 'peer'): Promise<{ url: string; peerName?: string }> {
    if (/^https?:\/\//i.test(peer)) {
      const parsed = PeerUrlSchema.safeParse(peer);
      if (!parsed.success) throw new NmError('NM_ERR_VALIDATION', `${field}: ${parsed.error.issues[0].message}`, field.replace(/\[\d+\]$/, ''));
      const url = parsed.data.replace(/\/+$/, '');
      const peerName = (await this.init.peerNameByUrl?.(url)) ?? undefined;
      return { url, ...(peerName ? { peerName } : {}) };
    }
    const known = this.c.service.peers ? await this.c.service.peers.list() : [];
    const match = known.find((p) => p.name === peer);
    if (!match) {
      const why = this.c.service.peers ? 'no known peer has that name' : 'gossip is not running, so only peer URLs work';
      throw new NmError('NM_ERR_NOT_FOUND', `${field === 'peer' ? '' : `${field}: `}peer ${peer} not found: give the peer URL (http://host:port) or a known peer's name (${why})`);
    }
    return { url: match.url.replace(/\/+$/, ''), peerName: match.name };
  }
}
