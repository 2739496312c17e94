import { ArticleSchema, type Article } from '../../protocol/article';
import { isoFromRfc5322, parseArticle, renderArticle, rfc5322Date } from '../../protocol/rfc5536';

const base: Article = ArticleSchema.parse({
  id: '<abc.1@node-a>',
  newsgroups: ['comp.lang.c', 'test.a'],
  from: 'Ann Example <ann@example.org>',
  subject: 'Re: pointers ünïcode',
  date: '2026-01-31T12:00:00.123Z',
  references: ['<root@x>', '<parent@y>'],
  path: ['node-b', 'node-a'],
  headers: { Organization: 'Example Org', 'Followup-To': 'comp.lang.c', Subject: 'a clashing header', 'X-Newsmesh-Date': 'odd', Empty: '' },
  body: 'line one\nFrom the start\n>From quoted\n\ntrailing spaces   \r\nlast',
});

describe('RFC 5536 codec', () => {
  it('round-trips every field exactly', () => {
    expect(parseArticle(renderArticle(base))).toEqual(base);
  });

  it('renders the core headers a news reader expects', () => {
    const text = renderArticle(base);
    expect(text).toContain('Message-ID: <abc.1@node-a>\n');
    expect(text).toContain('Newsgroups: comp.lang.c,test.a\n');
    expect(text).toContain('Path: node-b!node-a!not-for-mail\n');
    expect(text).toContain('References: <root@x> <parent@y>\n');
    expect(text).toContain('Date: Sat, 31 Jan 2026 12:00:00 +0000\n');
    expect(text).toContain('X-Newsmesh-Header-Subject: a clashing header\n');
  });

  it('keeps empty path, no references, no headers, empty body, whole-second dates', () => {
    const a = ArticleSchema.parse({ ...base, path: [], references: [], headers: undefined, body: '', date: '2026-01-31T12:00:00.000Z' });
    const text = renderArticle(a);
    expect(text).not.toContain('X-Newsmesh-Date');
    expect(text).not.toContain('References:');
    const back = parseArticle(text);
    expect(back).toEqual(JSON.parse(JSON.stringify(a)));
  });

  it('keeps an ISO date without milliseconds exactly', () => {
    const a = ArticleSchema.parse({ ...base, date: '2026-01-31T12:00:00Z' });
    expect(parseArticle(renderArticle(a)).date).toBe('2026-01-31T12:00:00Z');
  });

  it('reads folded headers and foreign dates', () => {
    const parsed = parseArticle('Message-ID: <x@y>\nSubject: a long\n  folded subject\nDate: Tue, 1 Apr 2025 10:00:00 +0200\nNewsgroups: a.b, c.d\n\nbody');
    expect(parsed.subject).toBe('a long  folded subject');
    expect(parsed.date).toBe('2025-04-01T08:00:00.000Z');
    expect(parsed.newsgroups).toEqual(['a.b', 'c.d']);
    expect(parsed.body).toBe('body');
  });

  it('formats and parses RFC 5322 dates', () => {
    expect(rfc5322Date('2026-11-06T01:02:03Z')).toBe('Fri, 06 Nov 2026 01:02:03 +0000');
    expect(isoFromRfc5322('not a date')).toBeNull();
  });
});
