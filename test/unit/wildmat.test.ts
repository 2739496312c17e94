import { MATCH_ALL, parseWildmat, wildmatProblem } from '../../protocol/wildmat';

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
