/**
 * Spawns the built CLI (`dist/node/cli/main.js`) as a real process and waits for its
 * contract ready line. Requires `npm run build` (npm test runs it first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { tempDir } from './tmp';

// From test/helpers (jest) the build is ../../dist; from dist/test/helpers (bench) it is ../..
const BUILD = basename(join(__dirname, '..', '..')) === 'dist' ? join(__dirname, '..', '..') : join(__dirname, '..', '..', 'dist');
export const CLI = join(BUILD, 'node', 'cli', 'main.js');

export interface NodeProcess {
  child: ChildProcess;
  name: string;
  webUrl: string;
  peerUrl: string;
  /** From the ready line's ` nntp=...` (absent with --nntp off). */
  nntpUrl?: string;
  stderr: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

const READY = /^newsmesh (\S+) ready web=(\S+) peer=(\S+)(?: nntp=(\S+))?$/m;

/** Bench profiling: node refuses --cpu-prof in NODE_OPTIONS, so the spawned node gets it as an argument. */
const profArgs = () => (process.env.NEWSMESH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.NEWSMESH_CPU_PROF_DIR}`] : []);

export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20000): Promise<NodeProcess> {
  const child = spawn(process.execPath, [...profArgs(), CLI, 'start', '--web', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--nntp', '127.0.0.1:0', ...args], {
    env: { ...process.env, NEWSMESH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind the test's back: a late start would hold ports and a data dir.
      child.kill('SIGKILL');
      reject(new Error(`no ready line in ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = READY.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, name: m[1], webUrl: m[2], peerUrl: m[3], ...(m[4] ? { nntpUrl: m[4] } : {}), stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before ready; stderr: ${err}`));
    });
  });
}

/** Runs a CLI subcommand to completion. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`newsmesh ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Stops a spawned node (SIGTERM unless told) and waits for it to end; an ended one is left alone. */
export async function stopNode(p: NodeProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}

/**
 * Nodes of one suite, each with its data dir `NAME` under one temp dir: `spawn` starts one
 * (the same name again reuses its data), `cleanup` stops them all and removes the dir.
 */
export function nodeFleet(prefix?: string, timeoutMs?: number) {
  const tmp = tempDir(prefix);
  const procs: NodeProcess[] = [];
  return {
    dir: tmp.dir,
    async spawn(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<NodeProcess> {
      const p = await spawnNode(['--data', join(tmp.dir, name), '--name', name, ...args], env, timeoutMs);
      procs.push(p);
      return p;
    },
    async cleanup(): Promise<void> {
      await Promise.all(procs.map((p) => stopNode(p)));
      tmp.cleanup();
    },
  };
}
