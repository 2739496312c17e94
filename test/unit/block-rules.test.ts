import { blockReason, BlockRuleInputSchema, compileBlockRules, globMatches, type BlockRule } from '../../protocol/block-rules';

const rule = (kind: BlockRule['kind'], pattern: string, reason?: string): BlockRule => ({ id: `${kind}:${pattern}`, kind, pattern, ...(reason ? { reason } : {}), addedAt: '2026-01-01T00:00:00.000Z' });

describe('block rules', () => {
  it('globs with * and ? over the whole text', () => {
    expect(globMatches('*@spam.example', 'Bob <b@spam.example')).toBe(true);
    expect(globMatches('*@spam.example*', 'Bob <b@spam.example>')).toBe(true);
    expect(globMatches('*@spam.example', 'Bob <b@spam.example>')).toBe(false);
    expect(globMatches('b?b', 'bob')).toBe(true);
    expect(globMatches('b?b', 'bb')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('', '')).toBe(true);
    expect(globMatches('', 'x')).toBe(false);
    expect(globMatches('a*b*c', 'aXXbYYc')).toBe(true);
    expect(globMatches('a*b*c', 'aXXbYY')).toBe(false);
    // A literal star in the text is matched by the pattern's star, not compared as a character.
    expect(globMatches('*x', '*yx')).toBe(true);
  });

  it('stays quick on a worst-case pattern and text', () => {
    const pattern = `${'*a'.repeat(120)}*b`;
    const text = 'a'.repeat(256);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) expect(globMatches(pattern, text)).toBe(false);
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(2000);
  });

  it('refuses an article by any of its groups, by from (any case), or by signer', () => {
    const list = compileBlockRules([rule('group', 'alt.spam.*,!alt.spam.ok'), rule('from', '*@SPAM.example*', 'floods'), rule('key', 'aaaa-bbbb-cccc-dddd')]);
    expect(list.size).toBe(3);
    expect(list.match({ newsgroups: ['comp.x', 'alt.spam.buy'], from: 'a' })?.kind).toBe('group');
    expect(list.match({ newsgroups: ['alt.spam.ok'], from: 'a' })).toBeNull();
    expect(list.match({ newsgroups: ['comp.x'], from: 'Eve <eve@spam.EXAMPLE>' })?.reason).toBe('floods');
    expect(list.match({ newsgroups: ['comp.x'], from: 'Ann', signerFingerprint: 'aaaa-bbbb-cccc-dddd' })?.kind).toBe('key');
    expect(list.match({ newsgroups: ['comp.x'], from: 'Ann', signerFingerprint: 'aaaa-bbbb-cccc-eeee' })).toBeNull();
    expect(list.match({ newsgroups: ['comp.x'], from: 'Ann' })).toBeNull();
    expect(blockReason(rule('from', '*@x', 'spam'))).toBe('blocked by this node\'s owner (from rule "*@x": spam)');
  });

  it('validates what the owner adds, naming the field and the rule', () => {
    expect(BlockRuleInputSchema.safeParse({ kind: 'group', pattern: 'alt.*' }).success).toBe(true);
    expect(BlockRuleInputSchema.safeParse({ kind: 'key', pattern: 'aaaa-bbbb-cccc-dddd' }).success).toBe(true);
    expect(BlockRuleInputSchema.safeParse({ kind: 'key', pattern: `${'A'.repeat(42)}A` }).success).toBe(true);
    const bad: [unknown, string, RegExp][] = [
      [{ kind: 'group', pattern: 'comp.[x' }, 'pattern', /unclosed/],
      [{ kind: 'key', pattern: 'not-a-key' }, 'pattern', /node key .* or its fingerprint/],
      [{ kind: 'from', pattern: 'x'.repeat(300) }, 'pattern', /at most 256/],
      [{ kind: 'from', pattern: '   ' }, 'pattern', /must not be empty/],
      [{ kind: 'from', pattern: 'a\u0007' }, 'pattern', /control characters/],
      [{ kind: 'sender', pattern: 'x' }, 'kind', /./],
      [{ kind: 'from', pattern: 'x', extra: 1 }, '', /./],
    ];
    for (const [input, field, re] of bad) {
      const r = BlockRuleInputSchema.safeParse(input);
      expect(r.success).toBe(false);
      expect(r.error!.issues[0].path.join('.')).toBe(field);
      expect(r.error!.issues[0].message).toMatch(re);
    }
  });
});
