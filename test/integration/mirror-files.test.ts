/**
 * Export and import through the local API: mbox and JSONL exports of a group (with tricky
 * articles) imported into an empty node give identical articles; a second import adds
 * nothing; Python's standard `mailbox` module reads the mbox export.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestNode, makeArticle, type TestNode } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { getJson, postJson, readIndex } from '../helpers/mirror';
import { MboxReader, parseMboxMessage } from '../../protocol/mbox';
import { JsonlReader } from '../../protocol/jsonl';

type Art = Record<string, unknown> & { id: string; path: string[] };

const tricky = (i: number): Record<string, unknown> => {
  const variants: Record<string, unknown>[] = [
    { body: 'From the start\n>From quoted\nlast line without newline' },
    { body: '', subject: 'empty body' },
    { body: 'crlf\r\nlines\r\n', headers: { Organization: 'Ex Org', Subject: 'clashing', 'X-Newsmesh-Date': 'x', Empty: '' } },
    { body: 'ünïcödé ✓ body\n\n\n', from: 'Zoë <zoe@example>', subject: 'Ré: ✓' },
    { date: '2026-01-31T12:00:00Z', references: ['<root@x>', '<mid@y>'], path: [] },
    { from: 'Zoë Müller <zoe@example.org>', subject: 'Grüße aus Köln — ein Überblick über alles, was diese Woche in der Gruppe geschah', body: 'Straße, Öl, naïve café ✓\nline two\n' },
    { subject: '  two  spaces\tand =?utf-8?q?not_a_word?= 😀 ', body: `${'long line '.repeat(150)}\n= sign, trailing space \n` },
    { subject: 'x'.repeat(998), headers: { 'X-Note': 'Ünïcode note', Organization: '' }, body: 'ends without newline ✓' },
  ];
  return variants[i % variants.length];
};

/** Every article by id through GET /api/articles/ID, a few requests at a time (the article alone: `signedBy` is each node's view). */
async function readArticles(node: TestNode, ids: string[]): Promise<Art[]> {
  const out: Art[] = [];
  for (let i = 0; i < ids.length; i += 25) {
    const page = await Promise.all(ids.slice(i, i + 25).map((id) => getJson<Art & { signedBy?: unknown }>(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`)));
    out.push(...page.map(({ signedBy: _view, ...a }) => a));
  }
  return out;
}

async function readExport(url: string): Promise<{ text: string; type: string | null }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { text: await res.text(), type: res.headers.get('content-type') };
}

describe('export and import', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  const originals: Art[] = [];
  const tmp = tempDir();
  beforeAll(async () => {
    [a, b, c] = await Promise.all([startTestNode({ name: 'exp-a' }), startTestNode({ name: 'exp-b' }), startTestNode({ name: 'exp-c' })]);
    const articles = Array.from({ length: 400 }, (_, i) => makeArticle({ newsgroups: ['test.files'], id: `<files.${i}@t>`, ...tricky(i) }, i));
    for (let i = 0; i < articles.length; i += 200) await postJson(`${a.webUrl}/api/import`, { articles: articles.slice(i, i + 200) }, 200);
    originals.push(...(await readArticles(a, (await readIndex(a.webUrl, 'test.files')).map((r) => r.id))));
  });
  afterAll(async () => {
    await Promise.all([a?.destroy(), b?.destroy(), c?.destroy()]);
    tmp.cleanup();
  });

  async function importParsed(node: TestNode, items: unknown[]) {
    const totals = { added: 0, present: 0, rejected: 0 };
    for (let i = 0; i < items.length; i += 500) {
      const r = await postJson<typeof totals>(`${node.webUrl}/api/import`, { articles: items.slice(i, i + 500) }, 200);
      totals.added += r.body.added;
      totals.present += r.body.present;
      totals.rejected += r.body.rejected;
    }
    return totals;
  }

  async function expectSame(node: TestNode) {
    const index = await readIndex(node.webUrl, 'test.files');
    expect(index.map((r) => r.id)).toEqual(originals.map((o) => o.id));
    const got = await readArticles(node, originals.map((o) => o.id));
    expect(got).toEqual(originals.map((o) => ({ ...o, path: [node.name, ...o.path] })));
  }

  it('mbox export imported into an empty node gives identical articles, idempotently', async () => {
    const { text, type } = await readExport(`${a.webUrl}/api/groups/test.files/export?format=mbox`);
    expect(type).toMatch(/application\/mbox/);
    const reader = new MboxReader();
    reader.pushBytes(Buffer.from(text, 'utf8'));
    const parsed: unknown[] = [];
    for (const item of [...reader.take(), ...reader.end()]) {
      if (!item.ok) throw new Error(item.reason);
      const r = await parseMboxMessage(item.raw);
      parsed.push(r.ok ? r.article : r);
    }
    expect(parsed).toHaveLength(400);
    expect(await importParsed(b, parsed)).toEqual({ added: 400, present: 0, rejected: 0 });
    await expectSame(b);
    expect(await importParsed(b, parsed)).toEqual({ added: 0, present: 400, rejected: 0 });
  });

  it('JSONL export round-trips the same way', async () => {
    const { text } = await readExport(`${a.webUrl}/api/groups/test.files/export?format=jsonl`);
    expect(text.split('\n').filter(Boolean)).toHaveLength(400);
    const reader = new JsonlReader();
    reader.push(text);
    const items = [...reader.take(), ...reader.end()].map((i) => (i.ok ? i.value : null));
    expect(await importParsed(c, items)).toEqual({ added: 400, present: 0, rejected: 0 });
    await expectSame(c);
  });

  it('import counts rejected articles with their reasons', async () => {
    const r = await postJson<{ added: number; rejected: number; problems: { id: string; reason: string }[] }>(
      `${c.webUrl}/api/import`,
      { articles: [makeArticle({ id: '<bad.date@t>', date: 'yesterday' }), { nonsense: true }, makeArticle({ newsgroups: ['test.files'] })] },
      200,
    );
    expect(r.body).toMatchObject({ added: 1, rejected: 2 });
    expect(r.body.problems[0]).toMatchObject({ id: '<bad.date@t>', reason: expect.stringMatching(/^date: /) });
  });

  it("Python's mailbox module reads the mbox export", async () => {
    const { text } = await readExport(`${a.webUrl}/api/groups/test.files/export?format=mbox`);
    const file = join(tmp.dir, 'files.mbox');
    writeFileSync(file, text);
    const script = [
      'import json, mailbox, sys',
      'box = mailbox.mbox(sys.argv[1], create=False)',
      'out = [{"id": m["Message-ID"], "groups": m["Newsgroups"], "path": m["Path"]} for m in box]',
      'print(json.dumps(out))',
    ].join('\n');
    const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as { id: string; groups: string; path: string }[];
    expect(out.map((m) => m.id)).toEqual(originals.map((o) => o.id));
    expect(out.every((m) => m.groups === 'test.files')).toBe(true);
    expect(out[0].path).toBe([...originals[0].path, 'not-for-mail'].join('!'));
  });

  it("Python's email package (default policy) reads back exactly the stored names, subjects and bodies", async () => {
    const { text } = await readExport(`${a.webUrl}/api/groups/test.files/export?format=mbox`);
    const file = join(tmp.dir, 'email.mbox');
    writeFileSync(file, text);
    const got = JSON.parse(execFileSync('python3.11', [join(__dirname, '..', 'helpers', 'read-mbox-email.py'), file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
      id: string;
      from: string;
      name: string | null;
      subject: string;
      body: string;
      charset: string;
      defects: string[];
    }[];
    expect(got.map((m) => m.id)).toEqual(originals.map((o) => o.id));
    const expected = originals.map((o) => ({ id: o.id, subject: o.subject, body: o.body, charset: 'utf-8', defects: [] }));
    expect(got.map(({ id, subject, body, charset, defects }) => ({ id, subject, body, charset, defects }))).toEqual(expected);
    const zoe = got.find((m) => m.from.includes('Zo'))!;
    expect(zoe).toMatchObject({ from: 'Zoë <zoe@example>', name: 'Zoë', subject: 'Ré: ✓' });
    const muller = got.find((m) => m.name === 'Zoë Müller')!;
    expect(muller).toMatchObject({ from: 'Zoë Müller <zoe@example.org>', subject: 'Grüße aus Köln — ein Überblick über alles, was diese Woche in der Gruppe geschah' });
  });

  it('404s an export of an unknown group and 400s an unknown format', async () => {
    expect((await fetch(`${a.webUrl}/api/groups/no.such/export`)).status).toBe(404);
    expect((await fetch(`${a.webUrl}/api/groups/test.files/export?format=zip`)).status).toBe(400);
  });
});
