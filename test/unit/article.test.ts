/**
 * Every rule of DESIGN.md's Article table, through validateArticle (the one entry point all
 * ingest paths use), plus the thread helpers. Each rejection must name its field and rule.
 */
import { LIMITS } from '../../protocol/limits';
import { ArticleSchema, checkArticleRules, claimedId, parentId, threadRoot, validateArticle, type ArticleCheck } from '../../protocol/article';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const ctx = { nowMs: NOW, maxBodyBytes: LIMITS.bodyMaxBytesDefault };

function valid(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '<abc.123@node-a>',
    newsgroups: ['comp.lang.c'],
    from: 'Ann <ann@example.org>',
    subject: 'Hello',
    date: '2026-06-01T11:00:00.000Z',
    references: [],
    path: ['node-b'],
    body: 'hello\n',
    ...over,
  };
}

function rejected(check: ArticleCheck): { field: string; reason: string } {
  if (check.ok) throw new Error('expected a rejection, got ok');
  return check.problem;
}

describe('a valid article', () => {
  it('passes and keeps every field as given', () => {
    const input = valid({ headers: { Organization: 'Example', 'Followup-To': 'comp.lang.c' }, references: ['<r1@x>', '<r2@y>'] });
    const r = validateArticle(input, ctx);
    expect(r.ok && r.article).toEqual(input);
  });

  it('gets empty references and path by default', () => {
    const { references: _r, path: _p, ...rest } = valid();
    const r = validateArticle(rest, ctx);
    expect(r.ok && r.article.references).toEqual([]);
    expect(r.ok && r.article.path).toEqual([]);
  });

  it('accepts the edges of every range', () => {
    const edges = valid({
      id: `<${'a'.repeat(LIMITS.messageIdMaxBytes - 4)}@b>`,
      newsgroups: Array.from({ length: LIMITS.newsgroupsMax }, (_, i) => `g.${i}`),
      from: 'f'.repeat(LIMITS.fromMaxChars),
      subject: 's'.repeat(LIMITS.subjectMaxChars),
      references: Array.from({ length: LIMITS.referencesMax }, (_, i) => `<r${i}@x>`),
      date: new Date(NOW + LIMITS.futureSkewMs - 1000).toISOString(),
      body: 'b'.repeat(LIMITS.bodyMaxBytesDefault),
    });
    expect(validateArticle(edges, ctx)).toMatchObject({ ok: true });
    expect(validateArticle(valid({ newsgroups: ['a'.repeat(LIMITS.groupNameMaxBytes)] }), ctx)).toMatchObject({ ok: true });
    expect(validateArticle(valid({ body: '' }), ctx)).toMatchObject({ ok: true });
  });
});

/** [label, override, field named in the problem, words of the reason] */
const BAD: [string, Record<string, unknown>, string, RegExp][] = [
  // id
  ['id missing', { id: undefined }, 'id', /expected string/i],
  ['id without angle brackets', { id: 'abc@node' }, 'id', /<left@right>/],
  ['id without @', { id: '<abcnode>' }, 'id', /<left@right>/],
  ['id with a space', { id: '<a b@node>' }, 'id', /printable ASCII without spaces/],
  ['id with two @', { id: '<a@b@c>' }, 'id', /<left@right>/],
  ['id with non-ASCII', { id: '<café@node>' }, 'id', /printable ASCII/],
  ['id with empty left', { id: '<@node>' }, 'id', /<left@right>/],
  ['id over 250 bytes', { id: `<${'a'.repeat(LIMITS.messageIdMaxBytes)}@b>` }, 'id', /at most 250 bytes/],
  ['id not a string', { id: 42 }, 'id', /expected string/i],
  // newsgroups
  ['no newsgroups', { newsgroups: [] }, 'newsgroups', /at least one group/],
  ['11 newsgroups', { newsgroups: Array.from({ length: 11 }, (_, i) => `g${i}`) }, 'newsgroups', /at most 10 groups/],
  ['upper-case group', { newsgroups: ['Comp.lang'] }, 'newsgroups', /a-z 0-9/],
  ['group with empty component', { newsgroups: ['comp..c'] }, 'newsgroups', /dot-separated/],
  ['group with leading dot', { newsgroups: ['.comp'] }, 'newsgroups', /dot-separated/],
  ['group with trailing dot', { newsgroups: ['comp.'] }, 'newsgroups', /dot-separated/],
  ['group with a space', { newsgroups: ['comp lang'] }, 'newsgroups', /dot-separated/],
  ['empty group name', { newsgroups: [''] }, 'newsgroups', /must not be empty/],
  ['group over 120 bytes', { newsgroups: ['a'.repeat(LIMITS.groupNameMaxBytes + 1)] }, 'newsgroups', /at most 120 bytes/],
  ['newsgroups a string', { newsgroups: 'comp.lang.c' }, 'newsgroups', /expected array/i],
  // from
  ['empty from', { from: '' }, 'from', /must not be empty/],
  ['from over 256 chars', { from: 'f'.repeat(LIMITS.fromMaxChars + 1) }, 'from', /at most 256 characters/],
  ['from with LF', { from: 'a\nb' }, 'from', /CR or LF/],
  ['from with CR', { from: 'a\rb' }, 'from', /CR or LF/],
  // subject
  ['empty subject', { subject: '' }, 'subject', /must not be empty/],
  ['subject over 998 chars', { subject: 's'.repeat(LIMITS.subjectMaxChars + 1) }, 'subject', /at most 998 characters/],
  ['subject with CRLF', { subject: 'a\r\nBcc: x' }, 'subject', /CR or LF/],
  ['subject with a BEL', { subject: 'ring \x07' }, 'subject', /control character U\+0007 at character 6/],
  ['from with an ESC sequence', { from: '\x1b[2Jzoe' }, 'from', /control character U\+001B at character 1/],
  ['subject with a C1 control', { subject: 'a\u0085b' }, 'subject', /control character U\+0085/],
  // date
  ['date not ISO', { date: 'Mon, 1 Jun 2026 12:00:00 GMT' }, 'date', /ISO 8601 UTC/],
  ['date with an offset', { date: '2026-06-01T12:00:00+02:00' }, 'date', /ISO 8601 UTC/],
  ['date without time', { date: '2026-06-01' }, 'date', /ISO 8601 UTC/],
  ['date 25 h ahead', { date: new Date(NOW + 25 * 3600 * 1000).toISOString() }, 'date', /24 hours in the future/],
  // references
  ['101 references', { references: Array.from({ length: 101 }, (_, i) => `<r${i}@x>`) }, 'references', /at most 100 ids/],
  ['bad reference', { references: ['<ok@x>', 'not-an-id'] }, 'references', /<left@right>/],
  // path
  ['path with a bad node name', { path: ['bad name'] }, 'path', /node name/],
  ['path with an empty name', { path: [''] }, 'path', /node name/],
  // headers
  ['header name with a colon', { headers: { 'X:Y': 'v' } }, 'headers.X:Y', /letters, digits and "-"/],
  ['header value with LF', { headers: { 'X-Note': 'a\nb' } }, 'headers.X-Note', /CR or LF/],
  ['header value not a string', { headers: { 'X-Note': 1 } }, 'headers.X-Note', /expected string/i],
  ['51 headers', { headers: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X-H${i}`, 'v'])) }, 'headers', /at most 50 headers/],
  // body
  ['body over 64 KiB', { body: 'b'.repeat(LIMITS.bodyMaxBytesDefault + 1) }, 'body', /more than the limit of 65536/],
  ['body over 64 KiB in bytes though not in chars', { body: 'é'.repeat(40_000) }, 'body', /80000 bytes/],
  ['body not a string', { body: ['x'] }, 'body', /expected string/i],
  // anything else
  ['an unknown field', { xref: 'x' }, '(root)', /unrecognized key.*xref/i],
];

describe.each(BAD)('rejects %s', (_label, over, field, reason) => {
  it(`naming ${field}`, () => {
    const input = valid(over);
    for (const [k, v] of Object.entries(over)) if (v === undefined) delete input[k];
    const problem = rejected(validateArticle(input, ctx));
    expect(problem.field).toBe(field);
    expect(problem.reason).toMatch(reason);
  });
});

describe('node-dependent rules', () => {
  it('uses the node body limit, in bytes', () => {
    expect(checkArticleRules({ body: 'x'.repeat(1025), date: '2026-01-01T00:00:00Z' }, { nowMs: NOW, maxBodyBytes: 1024 })?.field).toBe('body');
    expect(checkArticleRules({ body: 'x'.repeat(1024), date: '2026-01-01T00:00:00Z' }, { nowMs: NOW, maxBodyBytes: 1024 })).toBeNull();
  });

  it('takes the future window from the given clock, old dates pass', () => {
    const ahead = new Date(NOW + LIMITS.futureSkewMs + 1000).toISOString();
    expect(checkArticleRules({ body: '', date: ahead }, ctx)?.field).toBe('date');
    expect(checkArticleRules({ body: '', date: ahead }, { ...ctx, nowMs: NOW + 2000 })).toBeNull();
    expect(checkArticleRules({ body: '', date: '1995-03-01T00:00:00Z' }, ctx)).toBeNull();
  });

  it('rejects non-objects at the root', () => {
    for (const input of [null, 'text', 42, [valid()]]) expect(rejected(validateArticle(input, ctx)).field).toBe('(root)');
  });

  it('refuses a __proto__ key, naming it, and pollutes nothing (no prototype pollution)', () => {
    // JSON.parse makes "__proto__" an own key; the spread keeps it as one.
    const input = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const r = validateArticle({ ...valid(), ...input }, ctx);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(r).toEqual({ ok: false, problem: { field: '(root)', reason: 'Unrecognized key: "__proto__"' } });
  });

  it('builds an article with the plain prototype from input with a null prototype', () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, valid());
    const r = validateArticle(input, ctx);
    expect(r.ok && Object.getPrototypeOf(r.article)).toBe(Object.prototype);
  });
});

describe('claimedId', () => {
  it('recovers a well-formed id from a rejected article, and nothing else', () => {
    expect(claimedId(valid({ subject: '' }))).toBe('<abc.123@node-a>');
    expect(claimedId(valid({ id: 'bad' }))).toBeUndefined();
    expect(claimedId(null)).toBeUndefined();
    expect(claimedId('<a@b>')).toBeUndefined();
  });
});

describe('threads', () => {
  const a = ArticleSchema.parse(valid({ id: '<c@x>', references: ['<root@x>', '<mid@x>'] }));
  it('a reply belongs to the thread of its first reference and replies to the last', () => {
    expect(threadRoot(a)).toBe('<root@x>');
    expect(parentId(a)).toBe('<mid@x>');
  });
  it('an article without references starts its own thread', () => {
    const root = ArticleSchema.parse(valid({ id: '<root@x>' }));
    expect(threadRoot(root)).toBe('<root@x>');
    expect(parentId(root)).toBeUndefined();
  });
});
