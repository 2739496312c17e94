import { articleSignatureValid, articleSigner } from '../../node/identity/article-signing';
import { generateNodeKey } from '../../node/identity/node-key';
import { ArticleSchema, type Article } from '../../protocol/article';
import { MboxReader, parseMboxMessage, quoteBody, renderMboxMessage, unquoteBody, type MboxItem } from '../../protocol/mbox';
import { detectArticleFormat, JsonlReader, renderJsonLine } from '../../protocol/jsonl';
import { LIMITS } from '../../protocol/limits';

const make = (i: number, body: string, over: Partial<Article> = {}): Article =>
  ArticleSchema.parse({
    id: `<m${i}@node-a>`,
    newsgroups: ['test.a'],
    from: `u${i}@example`,
    subject: `s ${i}`,
    date: '2026-03-04T05:06:07.890Z',
    path: ['node-a'],
    body,
    ...over,
  });

const bodies = ['', 'no final newline', 'final newline\n', '\n\n', 'From start\nmid\n>From q\n>>From qq\nFrom', 'x\n\nFrom y\n', 'crlf\r\nFrom z\r\n', 'lone \r cr', 'a = b  \n\tend\t', `${'long '.repeat(300)}\n`, 'nul \0 byte\n'];

function items(text: string | Buffer, chunk: number): MboxItem[] {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const r = new MboxReader();
  const out: MboxItem[] = [];
  for (let i = 0; i < buf.length; i += chunk) {
    r.pushBytes(buf.subarray(i, i + chunk));
    out.push(...r.take());
  }
  out.push(...r.end());
  return out;
}

async function readAll(text: string, chunk: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const item of items(text, chunk)) {
    if (!item.ok) throw new Error(item.reason);
    const r = await parseMboxMessage(item.raw);
    if (!r.ok) throw new Error(r.reason);
    out.push(r.article);
  }
  return out;
}

describe('mboxrd codec', () => {
  it('quotes and unquotes From lines', () => {
    const b = 'From a\n>From b\nnot From c';
    expect(quoteBody(b)).toBe('>From a\n>>From b\nnot From c');
    expect(unquoteBody(quoteBody(b))).toBe(b);
  });

  it.each([1, 7, 4096])('round-trips tricky bodies when read in chunks of %i bytes', async (chunk) => {
    const arts = bodies.map((b, i) => make(i, b, i % 2 ? { from: 'Zoë Müller <zoe@example.org>', subject: 'Grüße aus Köln ✓' } : {}));
    const text = arts.map(renderMboxMessage).join('');
    expect(await readAll(text, chunk)).toEqual(arts);
  });

  it('starts every message with an envelope line after a blank line', () => {
    const text = [make(1, 'a'), make(2, 'b\n')].map(renderMboxMessage).join('');
    expect(text.startsWith('From newsmesh Wed Mar  4 05:06:07 2026\n')).toBe(true);
    expect(text.match(/\n\nFrom newsmesh /g)).toHaveLength(1);
  });

  it('skips a message larger than the limit with a reason and reads the next one', () => {
    const huge = Buffer.alloc(LIMITS.fileMessageMaxBytes + 10, 'x');
    const file = Buffer.concat([Buffer.from('From a\nMessage-ID: <a@b>\n\n'), huge, Buffer.from('\n\nFrom b\nMessage-ID: <b@c>\n\nok\n')]);
    const got = items(file, 1 << 20);
    expect(got.map((i) => i.ok)).toEqual([false, true]);
    expect(got[0]).toMatchObject({ ok: false, index: 1, reason: expect.stringMatching(/message 1 is larger than \d+ bytes; skipped/) });
    expect(got[1]).toMatchObject({ ok: true, index: 2, raw: 'Message-ID: <b@c>\n\nok\n' });
  });
});

describe('signed articles in mbox', () => {
  it('carries signature and signer in X-Newsmesh-Signer/-Signature and reads them back; a stored header of that name is escaped', async () => {
    const signer = articleSigner(generateNodeKey());
    const bare = make(1, 'signed body\nFrom a line\n', { headers: { 'X-Newsmesh-Signature': 'a header of the author', Organization: 'Ex' } });
    const a = { ...bare, ...signer.sign(bare) };
    const text = renderMboxMessage(a);
    expect(text).toContain(`\nX-Newsmesh-Signer: ${a.signer}\nX-Newsmesh-Signature: ${a.signature}\n`);
    expect(text).toContain('\nX-Newsmesh-Header-X-Newsmesh-Signature: a header of the author\n');
    const [back] = await readAll(text, 7);
    expect(back).toEqual({ ...a, references: [] });
    expect(articleSignatureValid(back as typeof a)).toBe(true);
    // Unsigned: no signature headers, none read back.
    const [plain] = await readAll(renderMboxMessage(make(2, 'plain\n')), 64);
    expect(plain).not.toHaveProperty('signature');
    expect(plain).not.toHaveProperty('signer');
  });
});

describe('JSON lines codec', () => {
  it('round-trips and reports bad lines with their number', () => {
    const arts = bodies.map((b, i) => make(i, b));
    const r = new JsonlReader();
    r.push(arts.map(renderJsonLine).join('') + 'not json\n');
    const read = [...r.take(), ...r.end()];
    expect(read.filter((i) => i.ok).map((i) => (i.ok ? i.value : null))).toEqual(arts);
    expect(read.every((i) => !i.ok || i.size > 0)).toBe(true);
    expect(read.filter((i) => !i.ok)).toEqual([{ ok: false, problem: expect.objectContaining({ line: arts.length + 1 }) }]);
  });

  it('keeps a character split across byte chunks, and skips an over-long line', () => {
    const r = new JsonlReader();
    const line = Buffer.from(`${JSON.stringify({ s: 'ü✓' })}\n`);
    for (let i = 0; i < line.length; i++) r.pushBytes(line.subarray(i, i + 1));
    r.pushBytes(Buffer.alloc(LIMITS.fileMessageMaxBytes + 5, 'x'));
    r.pushBytes(Buffer.from('\n{"n":2}\n'));
    const read = [...r.take(), ...r.end()];
    expect(read).toEqual([
      { ok: true, value: { s: 'ü✓' }, size: expect.any(Number) },
      { ok: false, problem: { line: 2, reason: expect.stringMatching(/line 2 is larger than/) } },
      { ok: true, value: { n: 2 }, size: 7 },
    ]);
  });

  it('detects the format from the content', () => {
    expect(detectArticleFormat('From newsmesh x\n')).toBe('mbox');
    expect(detectArticleFormat('\n {"id":1}')).toBe('jsonl');
    expect(detectArticleFormat('hello')).toBeNull();
  });
});
