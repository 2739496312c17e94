/**
 * Archives and the reading CLI as a person uses them, with real processes: a backup restored
 * into a fresh data dir of the same name (by import, and by mirroring back from a peer); a
 * mailing-list mbox imported with its threads; `groups`, `threads`, `show`, `reply`;
 * `mirrors`, `mirrors cancel` and `mirror --timeout`; a mirror that ends short exits non-zero;
 * bare `newsmesh` exits 2 with its help.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { fillGroup, getJson, postJson, waitForJob, type JobView } from '../helpers/mirror';
import { frontDoor } from '../helpers/front-door';

jest.setTimeout(120_000);

const tmp = tempDir();
const procs: NodeProcess[] = [];

async function spawn(dir: string, name: string, args: string[] = []): Promise<NodeProcess> {
  const p = await spawnNode(['--data', join(tmp.dir, dir), '--name', name, ...args]);
  procs.push(p);
  return p;
}

async function stop(p: NodeProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

afterAll(async () => {
  await Promise.all(procs.map((p) => stop(p)));
  tmp.cleanup();
});

const cli = (args: string[], node: NodeProcess, opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) => runCli([...args, '--api', node.webUrl], { timeoutMs: 60_000, ...opts });

async function post(node: NodeProcess, body: Record<string, unknown>): Promise<string> {
  return (await postJson<{ id: string }>(`${node.webUrl}/api/articles`, body, 201)).body.id;
}

describe('backup and restore', () => {
  it('restores a group into a fresh data dir of the same name, from its export and from a peer', async () => {
    const alpha = await spawn('alpha', 'alpha');
    const beta = await spawn('beta', 'beta');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(await post(alpha, { newsgroups: ['test.restore'], from: 'Zoë Müller <zoe@example.org>', subject: `Grüße ${i}`, body: `Text ${i} ✓\n`, ...(i > 0 ? { references: [ids[0]] } : {}) }));
    }
    const { body } = await postJson<{ id: string }>(`${beta.webUrl}/api/mirrors`, { peer: alpha.peerUrl, group: 'test.restore' }, 202);
    expect(await waitForJob(beta.webUrl, body.id, (j) => j.state !== 'running')).toMatchObject({ state: 'done', done: 30 });

    const file = join(tmp.dir, 'alpha-backup.mbox');
    expect((await cli(['export', 'test.restore', '--out', file], alpha)).code).toBe(0);
    await stop(alpha);

    // The disk is lost: a fresh data dir, the same name.
    const restored = await spawn('alpha-restored', 'alpha');
    const imported = await cli(['import', file], restored);
    expect(imported.stdout.trim()).toBe(`imported ${file} (mbox): 30 added, 0 present, 0 rejected`);
    expect(imported.code).toBe(0);
    const again = await cli(['import', file], restored);
    expect({ code: again.code, stdout: again.stdout.trim() }).toEqual({ code: 0, stdout: `imported ${file} (mbox): 0 added, 30 present, 0 rejected` });

    const fromPeer = await spawn('alpha-from-peer', 'alpha');
    const mirrored = await cli(['mirror', beta.peerUrl, 'test.restore'], fromPeer);
    expect(mirrored.stdout.trim()).toBe(`mirrored test.restore from ${beta.peerUrl}: 30 of 30 articles held`);
    expect(mirrored.code).toBe(0);
    const root = await getJson<{ subject: string; from: string }>(`${fromPeer.webUrl}/api/articles/${encodeURIComponent(ids[0])}`);
    expect(root).toMatchObject({ subject: 'Grüße 0', from: 'Zoë Müller <zoe@example.org>' });
  });
});

/** A mailing-list archive as list software writes it: no Newsgroups, MIME, threads by In-Reply-To/References. */
function listArchive(): Buffer {
  const parts = [
    'From zoe@example.org Tue Mar  3 10:00:00 2026\n',
    'Message-ID: <root@lists.example.org>\nFrom: =?iso-8859-1?q?Zo=EB_M=FCller?= <zoe@example.org>\nTo: tools@lists.example.org\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\nDate: Tue, 03 Mar 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\nReceived: from mx by list\n\nHallo zusammen, sch=C3=B6n dass ihr da seid.\n>From the archive: quoted line\n\n',
    'From ann@example.org Tue Mar  3 11:00:00 2026\n',
    'Message-ID: <a1@lists.example.org>\nFrom: Ann <ann@example.org>\nSubject: Re: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\nDate: Tue, 03 Mar 2026 11:00:00 +0000\nIn-Reply-To: <root@lists.example.org>\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n',
    `${Buffer.from('Danke! Grüße zurück.\n').toString('base64')}\n\n`,
    'From bob@example.org Tue Mar  3 12:00:00 2026\n',
    'Message-ID: <b1@lists.example.org>\nFrom: Bob <bob@example.org>\nSubject: Re: Gruesse\nDate: Tue, 03 Mar 2026 12:00:00 +0000\nReferences: <root@lists.example.org> <a1@lists.example.org>\nIn-Reply-To: <a1@lists.example.org>\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b1"\n\n--b1\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nSehr sch=F6n.\n--b1\nContent-Type: text/html\n\n<p>Sehr sch&ouml;n.</p>\n--b1--\n\n',
    'From cy@example.org Tue Mar  3 13:00:00 2026\n',
    'Message-ID: <new@lists.example.org>\nFrom: Cy <cy@example.org>\nSubject: A new topic\nDate: Tue, 03 Mar 2026 13:00:00 +0000\n\nSomething else.\n\n',
  ];
  return Buffer.concat(parts.map((p) => Buffer.from(p, 'utf8')));
}

describe('a mailing-list archive and the reading commands', () => {
  let node: NodeProcess;
  const file = join(tmp.dir, 'list.mbox');
  beforeAll(async () => {
    node = await spawn('reader', 'reader');
    writeFileSync(file, listArchive());
  });

  it('refuses messages without Newsgroups unless --group names the group, and says so with exit 1', async () => {
    const r = await cli(['import', file], node);
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe(`imported ${file} (mbox): 0 added, 0 present, 4 rejected`);
    expect(r.stderr).toContain('rejected <root@lists.example.org>: the message has no Newsgroups header: name the group with --group GROUP');
    expect(r.stderr).toMatch(/newsmesh: only 0 of the 4 articles in .*list\.mbox are on the node; 4 were rejected \(reasons above\)\n$/);
  });

  it('imports the archive with --group (any case), decoded and threaded', async () => {
    const r = await cli(['import', file, '--group', 'Lists.Tools'], node);
    expect({ code: r.code, stdout: r.stdout.trim(), stderr: r.stderr }).toEqual({ code: 0, stdout: `imported ${file} (mbox): 4 added, 0 present, 0 rejected`, stderr: '' });
    const root = JSON.parse((await cli(['show', 'root@lists.example.org', '--json'], node)).stdout) as Record<string, unknown>;
    expect(root).toMatchObject({
      newsgroups: ['lists.tools'],
      from: 'Zoë Müller <zoe@example.org>',
      subject: 'Grüße aus Köln',
      date: '2026-03-03T10:00:00.000Z',
      headers: { To: 'tools@lists.example.org' },
      body: 'Hallo zusammen, schön dass ihr da seid.\nFrom the archive: quoted line\n',
    });
    const a1 = JSON.parse((await cli(['show', '<a1@lists.example.org>', '--json'], node)).stdout) as Record<string, unknown>;
    expect(a1).toMatchObject({ references: ['<root@lists.example.org>'], body: 'Danke! Grüße zurück.\n' });
    const b1 = JSON.parse((await cli(['show', 'b1@lists.example.org', '--json'], node)).stdout) as Record<string, unknown>;
    expect(b1).toMatchObject({ references: ['<root@lists.example.org>', '<a1@lists.example.org>'], body: 'Sehr schön.\n' });

    const threads = await cli(['threads', 'lists.tools'], node);
    expect(threads.code).toBe(0);
    const lines = threads.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^2026-03-03 13:00 +0 replies {2}A new topic {2}\(Cy <cy@example\.org>\) {2}<new@lists\.example\.org>$/);
    expect(lines[1]).toMatch(/^2026-03-03 12:00 +2 replies {2}Grüße aus Köln {2}\(Zoë Müller <zoe@example\.org>\) {2}<root@lists\.example\.org>$/);
  });

  it('lists groups, shows an article, and replies from stdin and from $EDITOR', async () => {
    const groups = await cli(['groups'], node);
    expect(groups.code).toBe(0);
    expect(groups.stdout).toMatch(/^lists\.tools +4 {2}2026-03-03T13:00:00\.000Z\n$/);

    const shown = await cli(['show', 'new@lists.example.org'], node);
    expect(shown.stdout).toBe('From: Cy <cy@example.org>\nNewsgroups: lists.tools\nSubject: A new topic\nDate: 2026-03-03T13:00:00.000Z\nMessage-ID: <new@lists.example.org>\nPath: reader\n\nSomething else.\n');

    const piped = await cli(['reply', 'new@lists.example.org', '--from', 'Dee <dee@example.org>'], node, { input: 'Me too.\n' });
    expect(piped.code).toBe(0);
    const reply = await getJson<Record<string, unknown>>(`${node.webUrl}/api/articles/${encodeURIComponent(piped.stdout.trim())}`);
    expect(reply).toMatchObject({ newsgroups: ['lists.tools'], subject: 'Re: A new topic', references: ['<new@lists.example.org>'], from: 'Dee <dee@example.org>', body: 'Me too.\n' });

    const editor = join(tmp.dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nprintf "Written in the editor.\\n" >> "$1"\n');
    chmodSync(editor, 0o755);
    const edited = await cli(['reply', piped.stdout.trim(), '--from', 'Eve <eve@example.org>'], node, { env: { EDITOR: editor, VISUAL: '' } });
    expect(edited.code).toBe(0);
    const second = await getJson<Record<string, unknown>>(`${node.webUrl}/api/articles/${encodeURIComponent(edited.stdout.trim())}`);
    expect(second).toMatchObject({ subject: 'Re: A new topic', references: ['<new@lists.example.org>', piped.stdout.trim()], body: 'Dee <dee@example.org> wrote:\n> Me too.\n\nWritten in the editor.\n' });

    const unchanged = await cli(['reply', 'new@lists.example.org', '--from', 'x@y'], node, { env: { EDITOR: 'true', VISUAL: '' } });
    expect({ code: unchanged.code, stderr: unchanged.stderr }).toEqual({ code: 1, stderr: 'newsmesh: the reply is empty; nothing was sent\n' });
    const missing = await cli(['show', 'nobody@nowhere'], node);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 1, stderr: 'newsmesh: article <nobody@nowhere> not found\n' });
  });

  it('refuses a control character with a reason naming the flag', async () => {
    const r = await cli(['post', '--group', 'Lists.Tools', '--from', 'a@b', '--subject', 'ring\x07', '--body', 'b'], node);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: 'newsmesh: --subject: subject contains the control character U+0007 at character 5\n' });
  });

  it('has an example in the help of every reading command', async () => {
    for (const cmd of ['groups', 'threads', 'show', 'reply', 'mirrors', 'import']) {
      const help = await runCli([cmd, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`Examples?:\\n {2}(echo .* \\| )?newsmesh ${cmd}`));
    }
  });
});

describe('mirror jobs from the CLI', () => {
  let source: NodeProcess;
  let sink: NodeProcess;
  beforeAll(async () => {
    source = await spawn('jobs-src', 'jobs-src');
    await fillGroup(source.webUrl, 'test.jobs', 40, (i) => (i % 10 === 3 ? { body: 'x'.repeat(4000) } : {}));
    sink = await spawn('jobs-sink', 'jobs-sink', ['--max-article-bytes', '2048']);
  });

  it('a mirror that ends short says so, with the reasons, and exits non-zero', async () => {
    const r = await cli(['mirror', source.peerUrl, 'test.jobs'], sink);
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe(`mirrored test.jobs from ${source.peerUrl}: 36 of 40 articles held, 4 refused`);
    expect(r.stderr).toMatch(/refused <fill\.3\.\w+@t>: body: body is 4000 bytes, more than the limit of 2048/);
    expect(r.stderr).toMatch(new RegExp(`newsmesh: only 36 of the 40 articles ${source.peerUrl} lists for test\\.jobs are held here \\(reasons above\\)\\n$`));
  });

  it('`--timeout` cancels the job it started; `mirrors` lists and `mirrors cancel` removes', async () => {
    const door = await frontDoor(source.peerUrl, 'groups-only');
    try {
      const timedOut = await cli(['mirror', door.url, 'test.jobs', '--timeout', '1'], sink);
      expect(timedOut.code).toBe(1);
      expect(timedOut.stderr).toMatch(/newsmesh: gave up after 1 s \(--timeout\) with 0 of 40 articles held; the job this command started is cancelled\n$/);
      expect(timedOut.stderr).toMatch(/retrying: peer .* unreachable/);
      const listed = await cli(['mirrors'], sink);
      expect(listed.stdout).not.toContain(door.url);

      const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: door.url, group: 'test.jobs' }, 202);
      await waitForJob(sink.webUrl, body.id, (j) => j.error !== undefined);
      const running = await cli(['mirrors'], sink);
      expect(running.stdout).toMatch(new RegExp(`^${body.id} {2}running {2}test\\.jobs {2}from ${door.url} {2}0/40 {2}error="peer .* unreachable`, 'm'));
      const cancelled = await cli(['mirrors', 'cancel', body.id], sink);
      expect({ code: cancelled.code, stdout: cancelled.stdout }).toEqual({ code: 0, stdout: `mirror job ${body.id} (test.jobs from ${door.url}) cancelled and removed at 0 of 40 articles\n` });
      expect((await getJson<JobView[]>(`${sink.webUrl}/api/mirrors`)).map((j) => j.id)).not.toContain(body.id);
      const twice = await cli(['mirrors', 'cancel', body.id], sink);
      expect(twice.code).toBe(1);
    } finally {
      await door.close();
    }
  });
});

describe('the binary', () => {
  it('bare `newsmesh` exits 2 with its help on stderr', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: newsmesh \[options\] \[command\]/);
    expect(r.stderr).toMatch(/\n {2}threads .*\n/);
  });
});
