import fc from 'fast-check';
import { MATCH_ALL, parseWildmat, WILDMAT_MAX_CHARS, WILDMAT_MAX_ITEM_CHARS, WILDMAT_MAX_ITEMS, wildmatProblem } from '../../protocol/wildmat';

describe('wildmat', () => {
  it('last matching pattern decides, ! excludes', () => {
    const w = parseWildmat('comp.*,!comp.test.*');
    expect(w.matches('comp.lang.c')).toBe(true);
    expect(w.matches('comp.test.x')).toBe(false);
    expect(w.matches('misc.test')).toBe(false);
    expect(parseWildmat('!comp.test.*,comp.*').matches('comp.test.x')).toBe(true);
  });

  it('supports ?, classes and escapes', () => {
    expect(parseWildmat('alt.?').matches('alt.x')).toBe(true);
    expect(parseWildmat('alt.?').matches('alt.xy')).toBe(false);
    expect(parseWildmat('alt.[a-c]x').matches('alt.bx')).toBe(true);
    expect(parseWildmat('alt.[^a-c]x').matches('alt.bx')).toBe(false);
    expect(parseWildmat('a\\*b').matches('a*b')).toBe(true);
    expect(parseWildmat('a\\*b').matches('axb')).toBe(false);
    // regex metacharacters in names are literal
    expect(parseWildmat('comp.lang.c++').matches('comp.lang.c++')).toBe(true);
    expect(parseWildmat('comp.lang.c++').matches('compxlang.c++')).toBe(false);
  });

  it('matchesAny feeds a crosspost when one group matches', () => {
    const w = parseWildmat(' comp.* , !comp.test.* ');
    expect(w.source).toBe('comp.*,!comp.test.*');
    expect(w.matchesAny(['misc.a', 'comp.b'])).toBe(true);
    expect(w.matchesAny(['misc.a', 'comp.test.b'])).toBe(false);
    expect(MATCH_ALL.matchesAny(['x'])).toBe(true);
  });

  it('explains malformed patterns', () => {
    expect(wildmatProblem('')).toMatch(/empty/);
    expect(wildmatProblem('comp.[abc')).toMatch(/unclosed/);
    expect(wildmatProblem('!')).toMatch(/empty after/);
    expect(wildmatProblem('x\\')).toMatch(/lone/);
    expect(wildmatProblem('comp.*')).toBeNull();
  });
});

/**
 * A reference matcher with the same semantics, built as a RegExp: fine for the tiny patterns
 * the property test draws (a RegExp cannot be given a stranger's pattern: it backtracks).
 */
function referenceMatch(list: string, name: string): boolean {
  let result = false;
  for (const raw of list.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const negate = raw.startsWith('!');
    const p = negate ? raw.slice(1) : raw;
    let src = '';
    for (let i = 0; i < p.length; i++) {
      const ch = p[i];
      if (ch === '*') src += '[\\s\\S]*';
      else if (ch === '?') src += '[\\s\\S]';
      else if (ch === '\\') src += esc(p[++i]);
      else if (ch === '[') {
        const neg = p[i + 1] === '^';
        const first = i + (neg ? 2 : 1);
        const end = p.indexOf(']', first + 1);
        src += `[${neg ? '^' : ''}${[...p.slice(first, end)].map((c) => (c === '-' ? '-' : esc(c))).join('')}]`;
        i = end;
      } else src += esc(ch);
    }
    if (new RegExp(`^${src}$`).test(name)) result = !negate;
  }
  return result;
}

/** The shortest of three timed runs, in ms. */
function fastest(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function esc(ch: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(ch) ? `\\${ch}` : ch;
}

describe('wildmat cannot be made slow', () => {
  it('answers adversarial patterns against long names in microseconds', () => {
    const long = 'a'.repeat(120);
    // The first of these took 1.4 s with the RegExp matcher; the later ones would never end.
    const patterns = [
      '*a*a*a*a*b',
      '*a*a*a*a*a*a*a*a*a*a*a*a*b',
      `${'*'.repeat(200)}b`,
      Array(120).fill('*a').join('').slice(0, 249) + 'b',
      Array(100).fill(`${'*?'.repeat(60)}b`.slice(0, 250)).join(',').slice(0, 2048).replace(/,[^,]*$/, ''),
      `${'[a-z]*'.repeat(41)}b`,
    ];
    for (const p of patterns) {
      for (const name of [long, `${long.slice(1)}c`, `${long}.b`]) {
        // Compiled afresh each time (no memo); the best of three, so a GC pause elsewhere does not count.
        const ms = fastest(() => parseWildmat(p).matches(name));
        expect({ p: p.slice(0, 30), ms: ms < 5 ? 'fast' : ms }).toEqual({ p: p.slice(0, 30), ms: 'fast' });
      }
    }
    // Memoised per filter: asking again costs a map lookup.
    const w = parseWildmat(patterns[1]);
    w.matches(long);
    expect(fastest(() => {
      for (let i = 0; i < 10_000; i++) w.matches(long);
    })).toBeLessThan(50);
  });

  it('still matches what the patterns say, past 32 pattern positions too', () => {
    const name = `${'ab.'.repeat(40)}`;
    expect(parseWildmat(`${'*a'.repeat(40)}*`).matches(name)).toBe(true);
    expect(parseWildmat(`${'*a'.repeat(41)}*`).matches(name)).toBe(false);
    expect(parseWildmat(`${'??.'.repeat(40)}`).matches(name)).toBe(true);
    expect(parseWildmat(`${'??.'.repeat(39)}??`).matches(name)).toBe(false);
    expect(parseWildmat(`*${'[a-b]?.'.repeat(30)}`).matches(name)).toBe(true);
    expect(parseWildmat(`*${'[a-b]?.'.repeat(30)}?`).matches(name)).toBe(false);
    expect(parseWildmat(`*${'[^x]'.repeat(60)}`).matches(name)).toBe(true);
    expect(parseWildmat(`*${'[^.]'.repeat(3)}`).matches(name)).toBe(false);
  });

  it('caps the size of a pattern list and of each item', () => {
    expect(wildmatProblem('a'.repeat(WILDMAT_MAX_CHARS + 1))).toMatch(/longer than 2048/);
    expect(wildmatProblem(Array(WILDMAT_MAX_ITEMS + 1).fill('a').join(','))).toMatch(/more than 100 items/);
    expect(wildmatProblem('a'.repeat(WILDMAT_MAX_ITEM_CHARS + 1))).toMatch(/longer than 250/);
    expect(wildmatProblem('a'.repeat(WILDMAT_MAX_ITEM_CHARS))).toBeNull();
    expect(wildmatProblem('[z-a]')).toMatch(/reversed range/);
  });

  it('treats a ] right after [ or [^ as a member', () => {
    expect(parseWildmat('a[]]').matches('a]')).toBe(true);
    expect(parseWildmat('a[^]]').matches('a]')).toBe(false);
    expect(parseWildmat('a[^]]').matches('ab')).toBe(true);
    expect(parseWildmat('a[-b]').matches('a-')).toBe(true);
    expect(parseWildmat('a[b-]').matches('a-')).toBe(true);
    expect(parseWildmat('a[\\]').matches('a\\')).toBe(true);
    expect(wildmatProblem('a[^]')).toMatch(/unclosed/);
  });

  it('agrees with a reference matcher on random small patterns and names', () => {
    const token = fc.constantFrom('a', 'b', '.', '*', '**', '?', '[ab]', '[^a]', '[a-b]', '[]a]', '[.-b]', '\\*', '\\?', '\\[', '\\\\');
    const item = fc.tuple(fc.boolean(), fc.array(token, { minLength: 1, maxLength: 8 })).map(([neg, ts]) => `${neg ? '!' : ''}${ts.join('')}`);
    // Up to 8 items of up to 9 NFA positions: lists that span several 32-bit words, items across word edges.
    const list = fc.array(item, { minLength: 1, maxLength: 8 }).map((xs) => xs.join(','));
    const name = fc.array(fc.constantFrom('a', 'b', '.', '*', '?', '[', ']', '\\', '-'), { maxLength: 10 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(list, fc.array(name, { minLength: 1, maxLength: 5 }), (pattern, names) => {
        const w = parseWildmat(pattern);
        for (const n of names) expect([n, w.matches(n)]).toEqual([n, referenceMatch(pattern, n)]);
        expect(w.matchesAny(names)).toBe(names.some((n) => referenceMatch(pattern, n)));
      }),
      { numRuns: 1500 },
    );
  });
});
