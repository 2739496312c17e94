import { describeAge, KEEP_ALL, parseRetention, RetentionRulesSchema } from '../../protocol/retention';

const DAY = 86_400_000;

describe('retention rules (--retain)', () => {
  it('gives each group the first matching age rule', () => {
    const p = parseRetention('comp.*=90d,*=365d');
    expect(p.forGroup('comp.lang.c')).toMatchObject({ maxAgeMs: 90 * DAY, pool: null, ageRule: 'comp.*=90d' });
    expect(p.forGroup('alt.test')).toMatchObject({ maxAgeMs: 365 * DAY, pool: null });
    expect(p.keepsAll).toBe(false);
    expect(p.source).toBe('comp.*=90d,*=365d');
  });

  it('puts groups in the size pool of the first matching size rule, independently of age', () => {
    const p = parseRetention(' comp.*=90d , comp.lang.*=1GB, *=10GB ');
    expect(p.forGroup('comp.lang.c')).toMatchObject({ maxAgeMs: 90 * DAY, pool: 1, sizeRule: 'comp.lang.*=1GB' });
    expect(p.forGroup('comp.os')).toMatchObject({ maxAgeMs: 90 * DAY, pool: 2 });
    expect(p.forGroup('alt.x')).toMatchObject({ maxAgeMs: null, pool: 2 });
    expect(p.rules[2].bytes).toBe(10 * 1024 ** 3);
  });

  it('keeps a group that a forever rule matches first, whatever follows', () => {
    const p = parseRetention('local.*=forever,*=30d,*=1GB');
    expect(p.forGroup('local.notes')).toEqual({ maxAgeMs: null, pool: null });
    expect(p.forGroup('other')).toMatchObject({ maxAgeMs: 30 * DAY, pool: 2 });
    expect(parseRetention('*=forever').keepsAll).toBe(true);
    expect(KEEP_ALL.forGroup('x')).toEqual({ maxAgeMs: null, pool: null });
    expect(parseRetention('').keepsAll).toBe(true);
  });

  it('reads every unit', () => {
    const ages = parseRetention('a=30s,b=15min,c=12h,d=2w,e=1y,f=1.5d').rules.map((r) => r.ms);
    expect(ages).toEqual([30_000, 900_000, 12 * 3_600_000, 14 * DAY, 365 * DAY, 1.5 * DAY]);
    const sizes = parseRetention('a=512B,b=2KB,c=3MiB,d=1.5GB,e=1TB').rules.map((r) => r.bytes);
    expect(sizes).toEqual([512, 2048, 3 * 1024 ** 2, 1.5 * 1024 ** 3, 1024 ** 4]);
  });

  it('names the rule and what is wrong with it', () => {
    const bad: [string, RegExp][] = [
      ['comp.*=90x', /rule 1 "comp\.\*=90x": "90x" is not an age .*, a size/],
      ['comp.*', /rule 1 "comp\.\*" must be PATTERN=LIMIT/],
      ['*=1d,=5d', /rule 2 "=5d" must be PATTERN=LIMIT/],
      ['a=', /must be PATTERN=LIMIT/],
      ['!comp.*=1d', /cannot start with "!"/],
      ['comp.[a=1d', /rule 1 .*unclosed "\["/],
      ['*=0s', /shorter than one second/],
      ['*=2000y', /longer than 1000 years/],
      ['*=0B', /less than one byte/],
    ];
    for (const [text, re] of bad) expect(() => parseRetention(text)).toThrow(re);
    const r = RetentionRulesSchema.safeParse('comp.*=soon');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toMatch(/^--retain rule 1 "comp\.\*=soon": "soon" is not an age/);
    expect(() => parseRetention(Array.from({ length: 101 }, (_, i) => `g${i}=1d`).join(','))).toThrow(/more than 100 rules/);
    expect(() => parseRetention(`${'a'.repeat(2049)}=1d`)).toThrow(/longer than 2048 characters/);
  });

  it('describes ages as people read them', () => {
    expect(describeAge(90 * DAY)).toBe('90 days');
    expect(describeAge(365 * DAY)).toBe('1 year');
    expect(describeAge(3_600_000)).toBe('1 hour');
    expect(describeAge(1500)).toBe('1.5 seconds');
  });
});
