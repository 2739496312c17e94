import { ArticleSchema, type Article } from '../../protocol/article';
import { MboxReader, parseMboxMessage, quoteBody, renderMboxMessage, unquoteBody } from '../../protocol/mbox';
import { detectArticleFormat, JsonlReader, renderJsonLine } from '../../protocol/jsonl';

const make = (i: number, body: string): Article =>
  ArticleSchema.parse({
    id: `<m${i}@node-a>`,
    newsgroups: ['test.a'],
    from: `u${i}@example`,
    subject: `s ${i}`,
    date: '2026-03-04T05:06:07.890Z',
    path: ['node-a'],
    body,
  });

const bodies = ['', 'no final newline', 'final newline\n', '\n\n', 'From start\nmid\n>From q\n>>From qq\nFrom', 'x\n\nFrom y\n', 'crlf\r\nFrom z\r\n'];

function readAll(text: string, chunk: number): Record<string, unknown>[] {
  const r = new MboxReader();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += chunk) {
    r.push(text.slice(i, i + chunk));
    out.push(...r.take());
  }
  out.push(...r.end());
  return out.map(parseMboxMessage);
}

describe('mboxrd codec', () => {
  it('quotes and unquotes From lines', () => {
    const b = 'From a\n>From b\nnot From c';
    expect(quoteBody(b)).toBe('>From a\n>>From b\nnot From c');
    expect(unquoteBody(quoteBody(b))).toBe(b);
  });

  it.each([1, 7, 4096])('round-trips tricky bodies when read in chunks of %i', (chunk) => {
    const arts = bodies.map((b, i) => make(i, b));
    const text = arts.map(renderMboxMessage).join('');
    expect(readAll(text, chunk)).toEqual(arts);
  });

  it('starts every message with an envelope line after a blank line', () => {
    const text = [make(1, 'a'), make(2, 'b\n')].map(renderMboxMessage).join('');
    expect(text.startsWith('From newsmesh Wed Mar  4 05:06:07 2026\n')).toBe(true);
    expect(text.match(/\n\nFrom newsmesh /g)).toHaveLength(1);
  });
});

describe('JSON lines codec', () => {
  it('round-trips and reports bad lines with their number', () => {
    const arts = bodies.map((b, i) => make(i, b));
    const r = new JsonlReader();
    r.push(arts.map(renderJsonLine).join('') + 'not json\n');
    const items = [...r.take(), ...r.end()];
    expect(items.filter((i) => i.ok).map((i) => (i.ok ? i.value : null))).toEqual(arts);
    expect(items.every((i) => !i.ok || i.size > 0)).toBe(true);
    expect(items.filter((i) => !i.ok)).toEqual([{ ok: false, problem: expect.objectContaining({ line: arts.length + 1 }) }]);
  });

  it('detects the format from the content', () => {
    expect(detectArticleFormat('From newsmesh x\n')).toBe('mbox');
    expect(detectArticleFormat('\n {"id":1}')).toBe('jsonl');
    expect(detectArticleFormat('hello')).toBeNull();
  });
});
