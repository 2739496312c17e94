/**
 * The wire <-> Article codec on articles as real servers send them (an INN 2.7 article with a
 * folded Injection-Info, `.POSTED` in Path, `-0000 (UTC)` dates, repeated headers, names with
 * `_` and `.`, 8-bit bodies), the transit rewrite that keeps every other byte, the rendering of
 * local articles and its precomputed size, and overview lines.
 */
import fc from 'fast-check';
import { validateArticle, type Article } from '../../protocol/article';
import { overviewLine, xrefValue } from '../../protocol/nntp/overview';
import { foldLine, renderedStats, renderWire } from '../../protocol/nntp/render';
import { articleFromWire, countLines, editHeaders, headerSectionEnd, headerValue, parseWireHeaders, pathNames, referenceIds, transitWire, wireBody } from '../../protocol/nntp/wire-article';

const crlf = (lines: string[]) => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');

/** An article as INN 2.7 serves it (taken from a real session on this machine). */
const INN_ARTICLE = crlf([
  'Path: inn.test!.POSTED.localhost!not-for-mail',
  'From: a@b.example',
  'Newsgroups: test.a,test.b',
  'Subject: hello',
  'Date: Sun, 29 Nov 2026 02:21:07 -0000 (UTC)',
  'Organization: newsmesh interop test',
  'Message-ID: <11eg26j$9bs$1@vm.example.test>',
  'Injection-Date: Sun, 29 Nov 2026 02:21:07 -0000 (UTC)',
  'Injection-Info: vm.example.test; posting-host="localhost:127.0.0.1";',
  '\tlogging-data="9596"; mail-complaints-to="usenet@vm.example.test"',
  'X_Under.Score: odd name',
  'X-Control: bell\x07here',
  'Comments: first',
  'Comments: second',
  'Xref: inn.test test.a:1 test.b:7',
  '',
  'body line',
  'caf\xe9 in latin1',
]);

const ctx = { nowMs: Date.UTC(2026, 10, 29, 12), maxBodyBytes: 1_000_000 };

function parse(wire: Buffer) {
  const h = parseWireHeaders(wire);
  if ('problem' in h) throw new Error(h.problem);
  return h;
}

describe('reading wire articles', () => {
  it('maps a real INN article onto a valid Article', () => {
    const h = parse(INN_ARTICLE);
    const r = articleFromWire(INN_ARTICLE, h);
    if (!r.ok) throw new Error(r.problem);
    const check = validateArticle(r.input, ctx);
    if (!check.ok) throw new Error(JSON.stringify(check.problem));
    const a = check.article;
    expect(a.id).toBe('<11eg26j$9bs$1@vm.example.test>');
    expect(a.newsgroups).toEqual(['test.a', 'test.b']);
    expect(a.date).toBe('2026-11-29T02:21:07.000Z');
    // `.POSTED.localhost` and `not-for-mail` are not node names.
    expect(a.path).toEqual(['inn.test']);
    expect(a.body).toBe('body line\ncafé in latin1\n');
    // Headers the Article can hold; the odd name, the control character, the second Comments and Xref stay in the wire bytes.
    expect(a.headers).toEqual({
      Organization: 'newsmesh interop test',
      'Injection-Date': 'Sun, 29 Nov 2026 02:21:07 -0000 (UTC)',
      'Injection-Info': 'vm.example.test; posting-host="localhost:127.0.0.1";\tlogging-data="9596"; mail-complaints-to="usenet@vm.example.test"',
      Comments: 'first',
    });
    expect(r.lines).toBe(2);
  });

  it('keeps folded and repeated fields with their byte ranges', () => {
    const h = parse(INN_ARTICLE);
    const info = h.fields.find((f) => f.lower === 'injection-info')!;
    expect(INN_ARTICLE.toString('latin1', info.start, info.end)).toMatch(/^Injection-Info: .*\r\n\tlogging-data=.*\r\n$/);
    expect(h.fields.filter((f) => f.lower === 'comments').map((f) => f.value.trim())).toEqual(['first', 'second']);
    expect(headerValue(h, 'x_under.score')).toBe('odd name');
  });

  it('rewrites only Path and Xref for transit; every other byte stays', () => {
    const h = parse(INN_ARTICLE);
    const out = transitWire(INN_ARTICLE, h, 'mesh-a');
    const text = out.toString('latin1');
    expect(text.startsWith('Path: mesh-a!inn.test!.POSTED.localhost!not-for-mail\r\n')).toBe(true);
    expect(text).not.toMatch(/^Xref:/m);
    const expected = INN_ARTICLE.toString('latin1').replace(/^Path: .*\r\n/m, '').replace(/^Xref: .*\r\n/m, '');
    expect(text.slice(text.indexOf('\r\n') + 2)).toBe(expected);
  });

  it('refuses what is not an article, naming the problem', () => {
    expect(parseWireHeaders(crlf(['no colon here', '', 'x']))).toEqual({ problem: expect.stringMatching(/header line 1/) });
    expect(parseWireHeaders(crlf([' continuation first', '', 'x']))).toEqual({ problem: expect.stringMatching(/continuation/) });
    const noDate = crlf(['Message-ID: <a@b>', 'Newsgroups: x', 'From: f', 'Subject: s', '', 'b']);
    expect(articleFromWire(noDate, parse(noDate))).toEqual({ ok: false, problem: 'missing Date header' });
    const badDate = crlf(['Message-ID: <a@b>', 'Newsgroups: x', 'From: f', 'Subject: s', 'Date: someday', '', 'b']);
    expect(articleFromWire(badDate, parse(badDate))).toEqual({ ok: false, problem: expect.stringMatching(/not an RFC 5322 date/) });
  });

  it('decodes encoded words in From and Subject, and honours a newsmesh exact date', () => {
    const w = crlf([
      'Message-ID: <a@b>',
      'Newsgroups: x.y',
      'From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>',
      'Subject: =?utf-8?B?R3LDvMOfZQ==?=',
      'Date: Sun, 29 Nov 2026 02:21:07 +0000',
      'X-Newsmesh-Date: 2026-11-29T02:21:07.123Z',
      'Path: other!not-for-mail',
      '',
      'b',
    ]);
    const r = articleFromWire(w, parse(w));
    expect(r.ok && r.input).toMatchObject({ from: 'Jörg <j@example.org>', subject: 'Grüße', date: '2026-11-29T02:21:07.123Z', path: ['other'] });
  });

  it('reads Path names and References the way Usenet writes them', () => {
    expect(pathNames('a.example!b!!.POSTED.1.2.3.4!c.SEEN!not-for-mail')).toEqual(['a.example', 'b', 'c.SEEN']);
    expect(referenceIds('<a@b> junk <c@d>\t<e@f>')).toEqual(['<a@b>', '<c@d>', '<e@f>']);
    const many = Array.from({ length: 150 }, (_, i) => `<r${i}@x>`).join(' ');
    const refs = referenceIds(many);
    expect(refs).toHaveLength(100);
    expect(refs[0]).toBe('<r0@x>');
    expect(refs[99]).toBe('<r149@x>');
  });

  it('knows when the body text gives back the exact body bytes (then only headers are stored twice)', () => {
    const r = articleFromWire(INN_ARTICLE, parse(INN_ARTICLE));
    expect(r.ok && r.bodyExact).toBe(false); // latin1 body: its text is not its bytes
    const bytes = fc.array(fc.constantFrom(0x61, 0x0d, 0x0a, 0xc3, 0xa9, 0xff, 0x2e), { maxLength: 40 });
    fc.assert(
      fc.property(bytes, (b) => {
        const head = Buffer.from('Message-ID: <a@b>\r\nNewsgroups: x\r\nFrom: f\r\nSubject: s\r\nDate: 29 Nov 2026 02:21:07 +0000\r\n\r\n');
        const w = Buffer.concat([head, Buffer.from(b)]);
        const m = articleFromWire(w, parse(w));
        if (!m.ok) throw new Error(m.problem);
        const exact = wireBody(m.input.body as string).equals(Buffer.from(b));
        // Never claims exactness it does not have (a false "no" only costs storage).
        if (m.bodyExact) expect(exact).toBe(true);
        if (!b.includes(0x0d) && !b.includes(0x0a) && !b.includes(0xff) && !b.includes(0xc3) && !b.includes(0xa9)) expect(m.bodyExact).toBe(true);
      }),
    );
  });

  it('counts body lines with or without a final line end', () => {
    expect(countLines(Buffer.from('a\r\nb\r\n'))).toBe(2);
    expect(countLines(Buffer.from('a\r\nb'))).toBe(2);
    expect(countLines(Buffer.alloc(0))).toBe(0);
  });

  it('edits headers: drops, prepends and appends around the untouched rest', () => {
    const h = parse(INN_ARTICLE);
    const out = editHeaders(INN_ARTICLE, h, { drop: new Set(['path', 'comments']), prepend: ['Path: x!y'], append: ['X-Added: 1'] }).toString('latin1');
    expect(out).toMatch(/^Path: x!y\r\nFrom: a@b\.example\r\n/);
    expect(out).not.toMatch(/Comments:/);
    expect(out).toMatch(/Xref: inn\.test test\.a:1 test\.b:7\r\nX-Added: 1\r\n\r\nbody line\r\n/);
  });
});

const article = (over: Partial<Article> = {}): Article => ({
  id: '<x.1@mesh>',
  newsgroups: ['test.a'],
  from: 'Ünïcode Person <p@example.org>',
  subject: 'Grüße aus Köln',
  date: '2026-11-29T02:21:07.123Z',
  references: ['<r.0@mesh>'],
  path: ['mesh', 'origin'],
  headers: { Organization: 'Örg' },
  body: 'first\n.dotted\nlast',
  ...over,
});

describe('rendering local articles', () => {
  it('writes ASCII CRLF headers that read back to the same article', () => {
    const a = article();
    const wire = renderWire(a);
    expect(wire.toString('latin1', 0, headerSectionEnd(wire))).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    const h = parse(wire);
    const r = articleFromWire(wire, h);
    if (!r.ok) throw new Error(r.problem);
    expect(r.input).toMatchObject({ id: a.id, from: a.from, subject: a.subject, date: a.date, references: a.references, path: a.path, body: 'first\n.dotted\nlast\n' });
    expect((r.input.headers as Record<string, string>).Organization).toBe('=?UTF-8?B?w5ZyZw==?=');
  });

  it('folds lines over 998 octets at blanks', () => {
    const refs = Array.from({ length: 100 }, (_, i) => `<reference.${i}.abcdefghijklmnopqrstuvwxyz@mesh.example>`);
    const wire = renderWire(article({ references: refs }));
    for (const line of wire.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    const r = articleFromWire(wire, parse(wire));
    expect(r.ok && r.input.references).toEqual(refs);
    expect(foldLine('X: short')).toBe('X: short');
  });

  it('knows the size and line count of what it renders without rendering it', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '\n', '\r', '.', ' ', '€'), maxLength: 60 });
    fc.assert(
      fc.property(text, text, (subject, body) => {
        const a = article({ subject: subject.replace(/[\r\n]/g, '') || 's', body });
        const wire = renderWire(a);
        const stats = renderedStats(a);
        expect(stats.bytes).toBe(wire.length);
        expect(stats.lines).toBe(countLines(wire.subarray(headerSectionEnd(wire) + 2)));
      }),
    );
  });
});

describe('overview', () => {
  it('writes the seven fields and Xref, tabs flattened', () => {
    const line = overviewLine({ n: 3, subject: 'a\tb', from: 'f', date: '2026-11-29T02:21:07.000Z', id: '<i@d>', references: ['<r@d>', '<s@d>'], bytes: 100, lines: 4, xref: xrefValue('mesh', [['test.a', 3], ['test.b', 9]]) });
    expect(line).toBe('3\ta b\tf\tSun, 29 Nov 2026 02:21:07 +0000\t<i@d>\t<r@d> <s@d>\t100\t4\tXref: mesh test.a:3 test.b:9');
  });
});
