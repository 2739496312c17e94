/**
 * MIME in archive files: every article survives a trip through the writer and the reader
 * (any text in names, subjects, headers and bodies), and ordinary mail is read the way mail
 * tools read it: encoded-words, quoted-printable, base64, the text part of multipart, other
 * charsets, threads from References or In-Reply-To, and the group from --group.
 */
import fc from 'fast-check';
import { ArticleSchema, validateArticle, type Article } from '../../protocol/article';
import { MboxReader, parseMboxMessage, renderMboxMessage } from '../../protocol/mbox';
import { encodeBody, readMimeMessage, renderMimeMessage, type MimeRead } from '../../protocol/mime';

const base = {
  id: '<a1@node-a>',
  newsgroups: ['test.mime'],
  from: 'Zoë Müller <zoe@example.org>',
  subject: 'Grüße',
  date: '2026-03-04T05:06:07Z',
  path: ['node-a'],
  body: 'hi\n',
};

/** A foreign message as mail tools write it: CRLF or LF, headers then body. */
async function readMail(text: string | Buffer, opts = {}): Promise<MimeRead> {
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const s = buf.toString('latin1');
  const m = /\r?\n\r?\n/.exec(s)!;
  return readMimeMessage(Buffer.from(s.slice(0, m.index), 'latin1').toString('utf8'), s.slice(m.index + m[0].length), opts);
}

const article = (r: MimeRead) => {
  if (!r.ok) throw new Error(r.reason);
  return r.article;
};

// Header text the Article rules allow: no CR/LF, no control characters but TAB.
const headerChar = fc.oneof(
  fc.constantFrom(' ', '\t', '=', '?', '_', '"', ',', '<', '>', '(', ')', ':', ';', 'é', 'ü', '✓', '😀', '=?', '?='),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/[\x00-\x08\x0a-\x1f\x7f-\x9f]/.test(c)),
);
const headerText = (min: number, max: number) => fc.array(headerChar, { minLength: min, maxLength: max }).map((a) => a.join('').slice(0, max)).filter((s) => s.length >= min);

describe('MIME writer and reader', () => {
  it('round-trips any article exactly (names, subjects, headers, bodies)', async () => {
    await fc.assert(
      fc.asyncProperty(
        headerText(1, 256),
        headerText(1, 998),
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.dictionary(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), headerText(0, 300), { maxKeys: 4 }),
        fc.constantFrom('2026-03-04T05:06:07Z', '2026-03-04T05:06:07.123Z', '2026-03-04T05:06:07.000Z'),
        async (from, subject, body, headers, date) => {
          const a = ArticleSchema.parse({ ...base, from, subject, body, date, headers: { ...headers, 'Content-Type': 'text/html', Subject: 'escaped', 'X-Newsmesh-Header-X': 'y' } });
          const text = renderMboxMessage(a);
          for (const line of text.split('\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(998);
          const r = new MboxReader();
          r.pushBytes(Buffer.from(text, 'utf8'));
          const [item] = [...r.take(), ...r.end()];
          expect(item.ok).toBe(true);
          if (item.ok) expect(article(await parseMboxMessage(item.raw))).toEqual(a);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes MIME headers and the lightest exact transfer encoding', () => {
    const text = renderMimeMessage(ArticleSchema.parse(base));
    expect(text).toContain('MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n');
    expect(text).toContain('From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.org>\n');
    expect(text).toContain('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n');
    expect(encodeBody('plain\n').cte).toBe('7bit');
    expect(encodeBody('ünï\n').cte).toBe('8bit');
    expect(encodeBody('no final newline')).toEqual({ cte: 'quoted-printable', text: 'no final newline=\n' });
    expect(encodeBody('x'.repeat(1000) + '\n').cte).toBe('quoted-printable');
    expect(encodeBody('cr\r\n').cte).toBe('base64');
  });

  it('decodes encoded-words (Q and B, any charset) in From and Subject', async () => {
    const a = article(
      await readMail(
        'Message-ID: <e1@x>\nNewsgroups: test.mime\nFrom: =?iso-8859-1?q?Andr=E9?= <andre@example.org>\nSubject: =?UTF-8?B?R3LDvMOfZQ==?= und\n =?utf-8?q?K=C3=B6ln?=\nDate: Tue, 03 Mar 2026 10:00:00 -0500\n\nbody\n',
      ),
    );
    expect(a).toMatchObject({ from: 'André <andre@example.org>', subject: 'Grüße und Köln', date: '2026-03-03T15:00:00.000Z', body: 'body\n' });
  });

  it('decodes quoted-printable and base64 bodies, and CRLF line ends', async () => {
    const qp = article(
      await readMail('Message-ID: <q@x>\r\nNewsgroups: test.mime\r\nFrom: a@b\r\nSubject: s\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\nGr=C3=BC=C3=9Fe =3D soft=\r\n break\r\nend\r\n'),
    );
    expect(qp.body).toBe('Grüße = soft break\nend\n');
    const b64 = article(await readMail(`Message-ID: <b@x>\nNewsgroups: test.mime\nFrom: a@b\nSubject: s\nDate: Tue, 03 Mar 2026 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${Buffer.from('Hallo Welt ✓\n').toString('base64')}\n`));
    expect(b64.body).toBe('Hallo Welt ✓\n');
  });

  it('takes the text part of a multipart message and decodes its charset', async () => {
    const raw = Buffer.concat([
      Buffer.from('Message-ID: <mp@x>\nNewsgroups: test.mime\nFrom: a@b\nSubject: multi\nDate: Tue, 03 Mar 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n\npreamble\n--XX\nContent-Type: multipart/alternative; boundary=YY\n\n--YY\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\ncaf'),
      Buffer.from([0xe9]),
      Buffer.from(' au lait\n--YY\nContent-Type: text/html\n\n<p>caf&eacute;</p>\n--YY--\n--XX\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--XX--\n'),
    ]);
    expect(article(await readMail(raw)).body).toBe('café au lait\n');
    const html = await readMail('Message-ID: <h@x>\nNewsgroups: test.mime\nFrom: a@b\nSubject: s\nDate: Tue, 03 Mar 2026 10:00:00 +0000\nContent-Type: text/html\n\n<p>x</p>\n');
    expect(html).toEqual({ ok: false, id: '<h@x>', reason: 'the message has no text/plain part (HTML only)' });
  });

  it('threads mail by References, else In-Reply-To, and keeps only readable mail headers', async () => {
    const mail = (id: string, extra: string) => `Message-ID: ${id}\nFrom: a@b\nSubject: s\nDate: Tue, 03 Mar 2026 10:00:00 +0000\nReceived: from x by y\nDKIM-Signature: v=1\nTo: list@example.org\n${extra}\nbody\n`;
    const reply = article(await readMail(mail('<r1@x>', 'In-Reply-To: <root@x> (Zoe\'s message)\n'), { group: 'test.list' }));
    expect(reply).toMatchObject({ newsgroups: ['test.list'], references: ['<root@x>'], headers: { To: 'list@example.org' } });
    const deep = article(await readMail(mail('<r2@x>', 'References: <root@x>\n <r1@x> <not an id>\nIn-Reply-To: <other@x>\n'), { group: 'test.list' }));
    expect(deep.references).toEqual(['<root@x>', '<r1@x>']);
    const many = Array.from({ length: 150 }, (_, i) => `<r${i}@x>`).join(' ');
    const bounded = article(await readMail(mail('<r3@x>', `References: ${many}\n`), { group: 'test.list' }));
    expect(validateArticle(bounded, { nowMs: Date.parse('2026-03-04T00:00:00Z'), maxBodyBytes: 65536 }).ok).toBe(true);
    expect((bounded.references as string[])[0]).toBe('<r0@x>');
  });

  it('names what a message lacks', async () => {
    const noGroup = await readMail('Message-ID: <n@x>\nFrom: a@b\nSubject: s\nDate: Tue, 03 Mar 2026 10:00:00 +0000\n\nb\n');
    expect(noGroup).toEqual({ ok: false, id: '<n@x>', reason: 'the message has no Newsgroups header: name the group with --group GROUP' });
    expect(await readMail('From: a@b\n\nb\n')).toEqual({ ok: false, reason: 'the message has no Message-ID header' });
    const noSubject = article(await readMail('Message-ID: <s@x>\nFrom: a@b\nDate: Tue, 03 Mar 2026 10:00:00 +0000\n\nb\n', { group: 'test.list' }));
    expect(noSubject.subject).toBe('(no subject)');
  });
});

describe('control characters', () => {
  it('are refused in header fields with a clear reason', () => {
    const r = validateArticle({ ...base, subject: 'ring \x07 bell' }, { nowMs: Date.now(), maxBodyBytes: 65536 });
    expect(r).toEqual({ ok: false, problem: { field: 'subject', reason: 'subject contains the control character U+0007 at character 6' } });
    const h = validateArticle({ ...base, headers: { 'X-Note': 'esc \x1b[2J' } }, { nowMs: Date.now(), maxBodyBytes: 65536 });
    expect(h).toEqual({ ok: false, problem: { field: 'headers.X-Note', reason: 'header value contains the control character U+001B at character 5' } });
    expect(validateArticle({ ...base, from: 'tab\tok' }, { nowMs: Date.now(), maxBodyBytes: 65536 }).ok).toBe(true);
  });
});

export type { Article };
