import { createHash } from 'node:crypto';
import { ARTICLE_SIGNATURE_PURPOSE, articleSignedBytes, encodeFieldList, signaturePairProblem, signedHeaderNames, type SignedArticleFields } from '../../protocol/article-signature';
import { encodeFields } from '../../protocol/hello-proof';

const SIGNER = 'A'.repeat(43);
const BASE: SignedArticleFields = {
  id: '<1@alpha>',
  newsgroups: ['comp.lang.c', 'test.a'],
  from: 'Ann <ann@example.org>',
  subject: 'Größe',
  date: '2026-01-31T12:00:00.000Z',
  references: ['<0@alpha>'],
  headers: { Organization: 'Example', 'Cancel-Lock': 'sha256:x' },
  body: 'hello\nworld\n',
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('canonical encoding of an article signature', () => {
  it('writes the same bytes as the key proof encoding (4-byte length, UTF-8)', () => {
    const fields = ['ab', '', 'é', 'x'.repeat(70_000)];
    expect(hex(encodeFieldList(fields))).toBe(hex(encodeFields(fields)));
  });

  it('lists the fields in the documented order', () => {
    const expected = encodeFields([
      ARTICLE_SIGNATURE_PURPOSE, SIGNER, '<1@alpha>', '2', 'comp.lang.c', 'test.a', 'Ann <ann@example.org>', 'Größe',
      '2026-01-31T12:00:00.000Z', '1', '<0@alpha>', '2', 'Cancel-Lock', 'sha256:x', 'Organization', 'Example', 'hello\nworld\n',
    ]);
    expect(hex(articleSignedBytes(BASE, SIGNER))).toBe(hex(expected));
    // A fixed vector, so the format cannot drift unnoticed (docs/protocol.md documents it).
    expect(createHash('sha256').update(articleSignedBytes(BASE, SIGNER)).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(hex(articleSignedBytes(BASE, SIGNER)).slice(0, 8 + 2 * ARTICLE_SIGNATURE_PURPOSE.length)).toBe('00000013' + Buffer.from('newsmesh/article/v1').toString('hex'));
  });

  it('does not depend on the order headers were written in', () => {
    const swapped = { ...BASE, headers: { Organization: 'Example', 'Cancel-Lock': 'sha256:x' } };
    const other = { ...BASE, headers: { 'Cancel-Lock': 'sha256:x', Organization: 'Example' } };
    expect(hex(articleSignedBytes(swapped, SIGNER))).toBe(hex(articleSignedBytes(other, SIGNER)));
    expect(signedHeaderNames({ b: '1', B: '2', a: '3', 'A-b': '4' })).toEqual(['A-b', 'B', 'a', 'b']);
  });

  it('changes with every signed field, and not with path', () => {
    const base = hex(articleSignedBytes(BASE, SIGNER));
    const variants: Partial<SignedArticleFields>[] = [
      { id: '<2@alpha>' },
      { newsgroups: ['comp.lang.c'] },
      { newsgroups: ['test.a', 'comp.lang.c'] },
      { from: 'Bob' },
      { subject: 'Grosse' },
      { date: '2026-01-31T12:00:00Z' },
      { references: [] },
      { headers: { Organization: 'Example' } },
      { headers: { Organization: 'Example!', 'Cancel-Lock': 'sha256:x' } },
      { headers: undefined },
      { body: 'hello\nworld' },
    ];
    for (const v of variants) expect(hex(articleSignedBytes({ ...BASE, ...v }, SIGNER))).not.toBe(base);
    expect(hex(articleSignedBytes(BASE, 'B'.repeat(43)))).not.toBe(base);
    expect(hex(articleSignedBytes({ ...BASE, path: ['x', 'y'] } as SignedArticleFields, SIGNER))).toBe(base);
  });

  it('keeps list boundaries: moving an item between lists changes the bytes', () => {
    const a = articleSignedBytes({ ...BASE, newsgroups: ['a', 'b'], references: [] }, SIGNER);
    const b = articleSignedBytes({ ...BASE, newsgroups: ['a'], references: ['b'] }, SIGNER);
    const c = articleSignedBytes({ ...BASE, newsgroups: ['a,b'], references: [] }, SIGNER);
    expect(new Set([hex(a), hex(b), hex(c)]).size).toBe(3);
  });

  it('wants signature and signer together', () => {
    expect(signaturePairProblem({})).toBeNull();
    expect(signaturePairProblem({ signature: 's', signer: 'k' })).toBeNull();
    expect(signaturePairProblem({ signature: 's' })?.field).toBe('signer');
    expect(signaturePairProblem({ signer: 'k' })?.field).toBe('signature');
  });
});
