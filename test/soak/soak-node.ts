/**
 * One node process of a soak: its data dir, a FaultProxy in front of its peer port (the URL it
 * gives out, so it stays the same across restarts and faults can be put on the way to it), the
 * ports it keeps across restarts, and the stderr of every run it had.
 */
import { FaultProxy } from '../helpers/fault-proxy';
import { freePort } from '../helpers/free-port';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';

export class SoakNode {
  /** False from the moment it is told to stop until its restart is ready. */
  up = false;
  proc?: NodeProcess;
  readonly logs: { pid: number; text: string }[] = [];
  private ports = { web: 0, listen: 0 };
  private readonly tmp = tempDir('newsmesh-soak-');

  private constructor(
    readonly name: string,
    readonly proxy: FaultProxy,
  ) {}

  static async make(name: string): Promise<SoakNode> {
    // The target is set once the node has a port.
    return new SoakNode(name, await FaultProxy.start(1));
  }

  get dir(): string {
    return this.tmp.dir;
  }

  /** The node's local API (the current run's). */
  get webUrl(): string {
    if (!this.proc) throw new Error(`${this.name} is not running`);
    return this.proc.webUrl;
  }

  /** What other nodes know it by. */
  get publicUrl(): string {
    return this.proxy.url;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  /**
   * Starts (with --check) on the ports of the last run, or new ones if those are taken now.
   * The ready line names the public URL (the proxy), so the listen port is chosen here.
   */
  async start(env: NodeJS.ProcessEnv = {}): Promise<void> {
    // --check reads the whole store (over 100,000 articles late in a full soak) before the
    // ready line, on two cores shared with four other processes: minutes are possible.
    const readyMs = 180_000;
    const args = () => ['--data', this.dir, '--name', this.name, '--public-url', this.publicUrl, '--web', `127.0.0.1:${this.ports.web}`, '--listen', `127.0.0.1:${this.ports.listen}`, '--nntp', 'off', '--check'];
    if (this.ports.listen === 0) this.ports.listen = await freePort();
    this.proxy.setTarget(this.ports.listen);
    let proc: NodeProcess;
    try {
      proc = await spawnNode(args(), env, readyMs);
    } catch (err) {
      if (this.ports.web === 0 || !/in use|EADDRINUSE/.test(String(err))) throw err;
      this.ports = { web: 0, listen: await freePort() };
      this.proxy.setTarget(this.ports.listen);
      proc = await spawnNode(args(), env, readyMs);
    }
    this.proc = proc;
    this.ports.web = Number(new URL(proc.webUrl).port);
    const pid = proc.child.pid ?? 0;
    void proc.exited.then(() => this.logs.push({ pid, text: proc.stderr() }));
    this.up = true;
  }

  /** Stops the process (SIGKILL: a crash; SIGTERM: a clean stop); resolves with its exit code. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | null> {
    this.up = false;
    const proc = this.proc;
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return proc?.child.exitCode ?? null;
    proc.child.kill(signal);
    const code = await proc.exited;
    // The log of that run is kept by the exit handler above, which ran first.
    await Promise.resolve();
    return code;
  }

  /** The stderr of every run, the current one included. */
  allLogs(): { node: string; text: string }[] {
    const out = this.logs.map((l) => ({ node: `${this.name}#${l.pid}`, text: l.text }));
    if (this.proc && this.proc.child.exitCode === null && this.proc.child.signalCode === null) out.push({ node: `${this.name}#${this.pid}`, text: this.proc.stderr() });
    return out;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL').catch(() => undefined);
    await this.proxy.close();
    this.tmp.cleanup();
  }
}

