/**
 * A real INN 2.7 (Debian's inn2) for interop tests and the bench, in a temp dir of its own:
 * its own inn.conf, storage.conf, incoming.conf, newsfeeds, innfeed.conf, readers.conf,
 * active and history, and `innd -d` started there as user news. INN knows feeding peers by
 * source address (incoming.conf) and feeds out through innfeed. Needs root (to become news);
 * `innAvailability()` says why INN cannot run here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NntpClient } from '../../node/nntp/client';
import { tempDir } from './tmp';
import { waitFor } from './wait';

export const INN_BIN = '/usr/lib/news/bin';

export function innAvailability(): { ok: true; uid: number; gid: number } | { ok: false; why: string } {
  if (!existsSync(join(INN_BIN, 'innd'))) return { ok: false, why: `INN is not installed (no ${INN_BIN}/innd; apt-get install inn2)` };
  if (process.getuid?.() !== 0) return { ok: false, why: 'INN must be started as user news, which needs root' };
  const uid = Number(spawnSync('id', ['-u', 'news'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'news'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || uid <= 0) return { ok: false, why: 'there is no user news' };
  return { ok: true, uid, gid };
}

export interface InnPeerIn {
  /** incoming.conf name. */
  name: string;
  /** Address the peer connects from. */
  hostname: string;
}

export interface InnFeedOut {
  /** newsfeeds site name: articles whose Path holds it are not sent. */
  site: string;
  host: string;
  port: number;
  /** Wildmat of the feed (default every group but control and junk). */
  groups?: string;
}

export interface InnOptions {
  port: number;
  pathhost?: string;
  groups: string[];
  peers?: InnPeerIn[];
  feeds?: InnFeedOut[];
  /** storage method: tradspool (Debian's default) or cnfs (a cyclic buffer file of this many MiB). */
  storage?: { method: 'tradspool' } | { method: 'cnfs'; mib: number };
}

export interface RunningInn {
  port: number;
  pathhost: string;
  dir: string;
  child: ChildProcess;
  output: () => string;
  /** Files of the INN log directory (innfeed's log included), for failure messages. */
  logs: () => string;
  stop(): Promise<void>;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

export async function startInn(opts: InnOptions): Promise<RunningInn> {
  const avail = innAvailability();
  if (!avail.ok) throw new Error(avail.why);
  const tmp = tempDir('newsmesh-inn-');
  const d = tmp.dir;
  for (const sub of ['etc', 'db', 'run', 'log', 'tmp', 'http', 'spool', 'spool/articles', 'spool/overview', 'spool/incoming', 'spool/outgoing', 'spool/innfeed', 'spool/archive', 'spool/cycbuffs']) mkdirSync(join(d, sub), { recursive: true });
  const pathhost = opts.pathhost ?? 'inn.test';
  const conf = (name: string, text: string) => writeFileSync(join(d, 'etc', name), text);
  conf(
    'inn.conf',
    [
      'domain: example.test',
      `pathhost: ${pathhost}`,
      'server: 127.0.0.1',
      'organization: "newsmesh interop test"',
      'mta: "/bin/true %s"',
      'mailcmd: /bin/true',
      'pathnews: /usr/lib/news',
      ...['etc', 'db', 'spool', 'run', 'log', 'tmp', 'http'].map((p) => `path${p}: ${join(d, p)}`),
      `port: ${opts.port}`,
      'bindaddress: 127.0.0.1',
      // Test articles can be old; nothing is refused for its age.
      'artcutoff: 0',
      'ovmethod: tradindexed',
      'hismethod: hisv6',
      'enableoverview: true',
      'wireformat: true',
      'pgpverify: false',
      'docancels: none',
      'verifygroups: false',
      'logipaddr: true',
      'maxconnections: 100',
      'noreader: false',
      'readerswhenstopped: false',
      '',
    ].join('\n'),
  );
  const storage = opts.storage ?? { method: 'tradspool' };
  if (storage.method === 'cnfs') {
    conf('cycbuff.conf', `cycbuff:ONE:${join(d, 'spool/cycbuffs/one')}:${storage.mib * 1024}\nmetacycbuff:BUFF:ONE\n`);
    writeFileSync(join(d, 'spool/cycbuffs/one'), Buffer.alloc(0));
    spawnSync('truncate', ['-s', `${storage.mib}M`, join(d, 'spool/cycbuffs/one')]);
    conf('storage.conf', 'method cnfs {\n  newsgroups: *\n  class: 0\n  options: BUFF\n}\n');
  } else conf('storage.conf', 'method tradspool {\n  newsgroups: *\n  class: 0\n}\n');
  conf('expire.ctl', '/remember/:11\n*:A:1:10:never\n');
  conf('readers.conf', 'auth "all" {\n  hosts: "*"\n  default: "<all>"\n}\naccess "all" {\n  users: "*"\n  newsgroups: "*"\n  access: RPA\n}\n');
  const peers = opts.peers ?? [];
  conf('incoming.conf', peers.map((p) => `peer ${p.name} {\n  hostname: "${p.hostname}"\n  streaming: true\n}\n`).join(''));
  const feeds = opts.feeds ?? [];
  const newsfeeds = ['ME:*::'];
  for (const f of feeds) newsfeeds.push(`${f.site}/${f.site}:${f.groups ?? '*,!junk,!control,!control.*'}:Tm:innfeed!`);
  if (feeds.length > 0) newsfeeds.push(`innfeed!:!*:Tc,Wnm*:${INN_BIN}/innfeed`);
  conf('newsfeeds', `${newsfeeds.join('\n')}\n`);
  conf(
    'innfeed.conf',
    [
      'initial-sleep: 1',
      'initial-reconnect-time: 1',
      'max-reconnect-time: 4',
      'backlog-newfile-period: 600',
      // Articles past the in-memory queue (10 by default) are spooled and only sent a minute later.
      'host-queue-highwater: 2000',
      'backlog-rotate-period: 2',
      ...feeds.map((f) => `peer ${f.site} {\n  ip-name: ${f.host}\n  port-number: ${f.port}\n  initial-connections: 1\n  max-connections: 1\n  streaming: true\n}`),
      '',
    ].join('\n'),
  );
  const active = ['control 0000000000 0000000001 n', 'control.cancel 0000000000 0000000001 n', 'junk 0000000000 0000000001 n', ...opts.groups.map((g) => `${g} 0000000000 0000000001 y`)];
  writeFileSync(join(d, 'db/active'), `${active.join('\n')}\n`);
  writeFileSync(join(d, 'db/newsgroups'), opts.groups.map((g) => `${g}\tinterop test group\n`).join(''));
  writeFileSync(join(d, 'db/active.times'), '');
  writeFileSync(join(d, 'db/history'), '');
  chownTree(d, avail.uid, avail.gid);
  const env = { ...process.env, INNCONF: join(d, 'etc/inn.conf'), HOME: d };
  const dbz = spawnSync(join(INN_BIN, 'makedbz'), ['-i', '-o', '-s', '10000', '-f', join(d, 'db/history')], { uid: avail.uid, gid: avail.gid, env, encoding: 'utf8' });
  if (dbz.status !== 0) throw new Error(`makedbz failed: ${dbz.stderr}`);
  if (storage.method === 'cnfs') chownTree(join(d, 'spool/cycbuffs'), avail.uid, avail.gid);

  const child = spawn(join(INN_BIN, 'innd'), ['-d'], { uid: avail.uid, gid: avail.gid, env, cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (x) => (out += x));
  child.stderr!.on('data', (x) => (out += x));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const logs = () =>
    readdirSync(join(d, 'log'))
      .map((f) => {
        try {
          return `--- ${f}\n${spawnSync('tail', ['-n', '30', join(d, 'log', f)], { encoding: 'utf8' }).stdout}`;
        } catch {
          return '';
        }
      })
      .join('\n');
  const stop = async () => {
    if (child.exitCode === null) {
      spawnSync(join(INN_BIN, 'ctlinnd'), ['-t', '5', 'shutdown', 'test done'], { uid: avail.uid, gid: avail.gid, env });
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    tmp.cleanup();
  };
  // Ready when it greets.
  const exitedError = () => new Error(`innd exited with ${child.exitCode}: ${out}\n${logs()}`);
  const greets = async () => {
    if (child.exitCode !== null) return 'exited';
    const c = await NntpClient.connect({ host: '127.0.0.1', port: opts.port, timeoutMs: 5000 }).catch(() => null);
    if (!c) return undefined;
    const ok = c.greeting.code === 200 || c.greeting.code === 201;
    await c.quit();
    return ok ? 'greeted' : undefined;
  };
  const ready = await waitFor(`innd to greet on port ${opts.port}`, greets, { timeoutMs: 20_000, everyMs: 100 }).catch(async (err: Error) => {
    await stop();
    throw new Error(`${err.message}: ${out}`);
  });
  if (ready === 'exited') throw exitedError();
  return { port: opts.port, pathhost, dir: d, child, output: () => out, logs, stop };
}
