import { challengeProofBytes, encodeFields, helloProofBytes, helloReplyProofBytes, NodeKeySchema, PURPOSE, SignatureSchema, type HelloProofFields } from '../../protocol/hello-proof';
import { HelloSchema } from '../../protocol/peer-messages';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const FIELDS: HelloProofFields = {
  challenge: 'c'.repeat(43),
  url: 'http://a.example:9119',
  to: 'http://b.example:9119',
  time: 1_700_000_000_000,
  name: 'alpha',
  key: 'k'.repeat(42) + 'A',
  token: 't'.repeat(32),
  groups: 'comp.*',
  nonce: 'n'.repeat(32),
};

describe('canonical encoding of signed handshake fields', () => {
  it('is a 4-byte big-endian length and the UTF-8 bytes per field; absent is 0xFFFFFFFF', () => {
    expect(hex(encodeFields(['ab', '', undefined, 'é']))).toBe('000000026162' + '00000000' + 'ffffffff' + '00000002c3a9');
  });

  it('keeps field boundaries: no two field lists share bytes', () => {
    expect(hex(encodeFields(['ab', 'c']))).not.toBe(hex(encodeFields(['a', 'bc'])));
    expect(hex(encodeFields(['a', '']))).not.toBe(hex(encodeFields(['a', undefined])));
    expect(hex(encodeFields(['a']))).not.toBe(hex(encodeFields(['a', ''])));
  });

  it('encodes a hello in the documented order, opening with its purpose tag', () => {
    const expected = encodeFields([PURPOSE.hello, FIELDS.challenge, FIELDS.url, FIELDS.to, '1700000000000', 'alpha', FIELDS.key, FIELDS.token, 'comp.*', FIELDS.nonce]);
    expect(hex(helloProofBytes(FIELDS))).toBe(hex(expected));
    // Stable across runs and implementations: the exact bytes of the first fields.
    expect(hex(helloProofBytes(FIELDS)).slice(0, 2 * (4 + PURPOSE.hello.length + 4))).toBe(
      '00000011' + Buffer.from('newsmesh/hello/v1').toString('hex') + '0000002b',
    );
  });

  it('changes with every signed field, and with a field left out', () => {
    const base = hex(helloProofBytes(FIELDS));
    const changed: Partial<HelloProofFields>[] = [
      { challenge: 'd'.repeat(43) },
      { url: 'http://a.example:9120' },
      { to: 'http://c.example:9119' },
      { time: FIELDS.time + 1 },
      { name: 'alphb' },
      { key: 'j'.repeat(42) + 'A' },
      { token: 'u'.repeat(32) },
      { groups: 'comp.*,misc.*' },
      { nonce: 'm'.repeat(32) },
    ];
    for (const c of changed) expect(hex(helloProofBytes({ ...FIELDS, ...c }))).not.toBe(base);
    const { groups: _g, ...noGroups } = FIELDS;
    expect(hex(helloProofBytes(noGroups))).not.toBe(base);
  });

  it('gives each step its own purpose, so a signature never serves another step', () => {
    const reply = helloReplyProofBytes({ nonce: FIELDS.nonce, challenge: FIELDS.challenge, name: 'alpha', key: FIELDS.key, token: FIELDS.token!, state: 'up' });
    const ch = challengeProofBytes({ nonce: FIELDS.nonce, challenge: FIELDS.challenge, name: 'alpha', key: FIELDS.key });
    const tags = [helloProofBytes(FIELDS), reply, ch].map((b) => Buffer.from(b.subarray(4, 4 + new DataView(b.buffer).getUint32(0))).toString());
    expect(tags).toEqual([PURPOSE.hello, PURPOSE.helloReply, PURPOSE.challenge]);
    expect(new Set(tags).size).toBe(3);
  });
});

describe('key, signature and hello schemas', () => {
  it('takes only base64url of exactly 32-byte keys and 64-byte signatures', () => {
    const key = Buffer.alloc(32, 7).toString('base64url');
    const sig = Buffer.alloc(64, 9).toString('base64url');
    expect(NodeKeySchema.safeParse(key).success).toBe(true);
    expect(SignatureSchema.safeParse(sig).success).toBe(true);
    for (const bad of [key.slice(1), `${key}A`, key.replace(/.$/, 'B'), `${key.slice(0, 42)}+`, Buffer.alloc(32).toString('base64')]) {
      expect(NodeKeySchema.safeParse(bad).success).toBe(false);
    }
    for (const bad of [sig.slice(1), sig.replace(/.$/, 'B'), Buffer.alloc(64).toString('hex')]) expect(SignatureSchema.safeParse(bad).success).toBe(false);
  });

  it('requires every key-proof field of a hello', () => {
    const hello = { name: 'alpha', url: FIELDS.url, version: 1, key: Buffer.alloc(32, 1).toString('base64url'), challenge: FIELDS.challenge, time: FIELDS.time, to: FIELDS.to, nonce: FIELDS.nonce, sig: Buffer.alloc(64, 2).toString('base64url') };
    expect(HelloSchema.safeParse(hello).success).toBe(true);
    for (const k of ['key', 'challenge', 'time', 'to', 'nonce', 'sig']) {
      const { [k]: _gone, ...rest } = hello as Record<string, unknown>;
      expect(HelloSchema.safeParse(rest).success).toBe(false);
    }
    expect(HelloSchema.safeParse({ ...hello, time: 1.5 }).success).toBe(false);
    expect(HelloSchema.safeParse({ ...hello, to: 'ftp://x' }).success).toBe(false);
  });
});
