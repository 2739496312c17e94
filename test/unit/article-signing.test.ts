import { silentLogger } from '../../node/logger';
import { articleSignatureValid, articleSigner, cancelSecretOf } from '../../node/identity/article-signing';
import { generateNodeKey, loadNodeKey } from '../../node/identity/node-key';
import { cancelKeyOpens, CancelKeySchema } from '../../protocol/cancel-lock';
import { tempDir } from '../helpers/tmp';

const ARTICLE = {
  id: '<1@alpha>',
  newsgroups: ['test.a'],
  from: 'Ann',
  subject: 'Hi',
  date: '2026-01-31T12:00:00.000Z',
  references: [],
  headers: { Organization: 'Example' },
  body: 'hello\n',
};

describe('signing articles with the node key', () => {
  it('signs so that any change to a signed field breaks the signature', () => {
    const signer = articleSigner(generateNodeKey());
    const signed = { ...ARTICLE, ...signer.sign(ARTICLE) };
    expect(signed.signer).toBe(signer.key);
    expect(signed.signature).toHaveLength(86);
    expect(articleSignatureValid(signed)).toBe(true);
    expect(articleSignatureValid({ ...signed, body: 'hello' })).toBe(false);
    expect(articleSignatureValid({ ...signed, headers: { Organization: 'Other' } })).toBe(false);
    expect(articleSignatureValid({ ...signed, newsgroups: ['test.b'] })).toBe(false);
    // Another node's key over the same bytes: the claimed signer did not sign them.
    const other = articleSigner(generateNodeKey());
    expect(articleSignatureValid({ ...signed, signer: other.key })).toBe(false);
    expect(articleSignatureValid({ ...signed, signature: 'A'.repeat(86) })).toBe(false);
    expect(articleSignatureValid({ ...signed, signer: 'bad' })).toBe(false);
  });

  it('derives cancel keys only its own key can make, the same after a restart', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const first = await loadNodeKey(dir, silentLogger());
      const again = await loadNodeKey(dir, silentLogger());
      expect(cancelSecretOf(again).equals(cancelSecretOf(first))).toBe(true);
      const a = articleSigner(first);
      const b = articleSigner(again);
      const key = a.cancelKey('<1@alpha>');
      expect(CancelKeySchema.parse(key)).toBe(key);
      expect(b.cancelKey('<1@alpha>')).toBe(key);
      expect(cancelKeyOpens(a.cancelLock('<1@alpha>'), key)).toBe(true);
      expect(cancelKeyOpens(a.cancelLock('<2@alpha>'), key)).toBe(false);
      const stranger = articleSigner(generateNodeKey());
      expect(stranger.cancelKey('<1@alpha>')).not.toBe(key);
    } finally {
      cleanup();
    }
  });
});
