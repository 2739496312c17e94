import { CANCEL_GROUP, cancelArticleFields, cancelKeyFor, cancelKeyOpens, cancelLockFor, CancelKeySchema, cancelTarget, headerValue, sha256Elements } from '../../protocol/cancel-lock';

describe('Cancel-Lock and Cancel-Key (RFC 8315, sha256)', () => {
  it('matches the example of RFC 8315 section 5', () => {
    const key = 'sha256:qv1VXHYiCGjkX/N1nhfYKcAeUn8bCVhrWhoKuBSnpMA=';
    expect(cancelLockFor(key)).toBe('sha256:s/pmK/3grrz++29ce2/mQydzJuc7iqHn1nqcJiQTPMc=');
    expect(cancelKeyOpens('sha256:s/pmK/3grrz++29ce2/mQydzJuc7iqHn1nqcJiQTPMc=', key)).toBe(true);
  });

  it('derives a key per article and per secret, the same every time', () => {
    const s1 = Buffer.alloc(32, 1);
    const s2 = Buffer.alloc(32, 2);
    const k = cancelKeyFor(s1, '<1@a>');
    expect(k).toBe(cancelKeyFor(s1, '<1@a>'));
    expect(k).not.toBe(cancelKeyFor(s1, '<2@a>'));
    expect(k).not.toBe(cancelKeyFor(s2, '<1@a>'));
    expect(CancelKeySchema.parse(k)).toBe(k);
    expect(cancelKeyOpens(cancelLockFor(k), k)).toBe(true);
    expect(cancelKeyOpens(cancelLockFor(k), cancelKeyFor(s2, '<1@a>'))).toBe(false);
  });

  it('takes several elements, skips other schemes and malformed ones', () => {
    const k1 = cancelKeyFor(Buffer.alloc(32, 1), '<1@a>');
    const k2 = cancelKeyFor(Buffer.alloc(32, 2), '<1@a>');
    const lock = `sha1:bNXHc6ohSmeHaRHHW56BIWZJt+4= ${cancelLockFor(k2)}   SHA256:garbage`;
    expect(sha256Elements(lock)).toHaveLength(1);
    expect(cancelKeyOpens(lock, k2)).toBe(true);
    expect(cancelKeyOpens(lock, `${k1} ${k2}`)).toBe(true);
    expect(cancelKeyOpens(lock, k1)).toBe(false);
    expect(cancelKeyOpens('', k1)).toBe(false);
    expect(cancelKeyOpens(lock, '')).toBe(false);
    expect(cancelKeyOpens(lock, 'sha256:')).toBe(false);
  });

  it('refuses keys that are not as the post answered them, naming the rule', () => {
    const r = CancelKeySchema.safeParse('sha1:abc');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toMatch(/Cancel-Key/);
  });

  it('reads the target of a cancel, and nothing else', () => {
    expect(cancelTarget({ newsgroups: [CANCEL_GROUP], headers: { Control: 'cancel <1@a>' } })).toBe('<1@a>');
    expect(cancelTarget({ newsgroups: ['x'], headers: { control: '  CANCEL   <1@a> ' } })).toBe('<1@a>');
    expect(cancelTarget({ newsgroups: ['x'], headers: { Control: 'newgroup x.y' } })).toBeNull();
    expect(cancelTarget({ newsgroups: ['x'], headers: { Control: 'cancel 1@a' } })).toBeNull();
    expect(cancelTarget({ newsgroups: ['x'], headers: { Control: 'cancel <1@a> <2@a>' } })).toBeNull();
    expect(cancelTarget({ newsgroups: ['x'] })).toBeNull();
  });

  it('finds headers whatever their case', () => {
    expect(headerValue({ 'cancel-lock': 'v' }, 'Cancel-Lock')).toBe('v');
    expect(headerValue({ 'Cancel-Lock': 'v' }, 'Cancel-Lock')).toBe('v');
    expect(headerValue(undefined, 'Cancel-Lock')).toBeUndefined();
    expect(headerValue({ __proto__: 'x' } as Record<string, string>, 'constructor')).toBeUndefined();
  });

  it('builds the cancel article of RFC 5537 in control.cancel', () => {
    const key = cancelKeyFor(Buffer.alloc(32, 1), '<1@a>');
    const f = cancelArticleFields('<1@a>', key, 'Ann');
    expect(f.newsgroups).toEqual(['control.cancel']);
    expect(f.subject).toBe('cmsg cancel <1@a>');
    expect(cancelTarget(f)).toBe('<1@a>');
    expect(headerValue(f.headers, 'Cancel-Key')).toBe(key);
  });
});
