/**
 * The pure pieces behind the pages: plain-text bodies to HTML (escaping, links, quotes,
 * folding), the thread tree from references, human dates, reply helpers and form parsing.
 */
import { escapeHtml, linkify, quoteForReply, renderBody, replySubject, QUOTE_FOLD_LINES } from '../../web/text';
import { threadTree } from '../../web/thread-tree';
import { exactDate, humanDate } from '../../web/dates';
import { mirrorFromForm, peerFromForm, postFromForm, replyReferences } from '../../web/forms';
import { newsUri, xmlText } from '../../web/routes/feed-routes';
import { packageRoot, webDirs } from '../../web/paths';
import { existsSync } from 'node:fs';
import { PageCache } from '../../web/page-cache';
import { treeRowsHtml } from '../../web/tree-html';

describe('text rendering', () => {
  it('escapes everything', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(renderBody('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('links http(s) URLs with rel nofollow noopener, leaving trailing punctuation out', () => {
    expect(linkify('see https://a.example/p?q=1&r=2.')).toBe(
      'see <a href="https://a.example/p?q=1&amp;r=2" rel="nofollow noopener" class="ext">https://a.example/p?q=1&amp;r=2</a>.',
    );
    expect(linkify('(http://x.example/a_(b))')).toContain('href="http://x.example/a_(b)"');
    expect(linkify('javascript:alert(1) ftp://x')).toBe('javascript:alert(1) ftp://x');
    expect(linkify('https://x.example/"onmouseover=alert(1)')).toBe(
      '<a href="https://x.example/" rel="nofollow noopener" class="ext">https://x.example/</a>&quot;onmouseover=alert(1)',
    );
  });

  it('shows > lines as quotes, folds long quotes and keeps line breaks', () => {
    const html = renderBody('Hi\n> quoted\n>> deeper\nanswer\n\nbye\n');
    expect(html).toBe('Hi<blockquote class="quote"><span class="q1">&gt; quoted</span>\n<span class="q2">&gt;&gt; deeper</span></blockquote>answer\n\nbye');
    const long = Array.from({ length: QUOTE_FOLD_LINES + 1 }, (_, i) => `> line ${i}`).join('\n');
    expect(renderBody(long)).toMatch(/^<details class="quote-fold"><summary>7 quoted lines<\/summary><blockquote/);
    expect(renderBody('a\r\nb')).toBe('a\nb');
  });

  it('builds reply subject, quote and references', () => {
    expect(replySubject('Hello')).toBe('Re: Hello');
    expect(replySubject('RE: Hello')).toBe('RE: Hello');
    expect(quoteForReply('Ann', 'one\n> old\n')).toBe('Ann wrote:\n> one\n>> old\n\n');
    const refs = Array.from({ length: 100 }, (_, i) => `<r${i}@x>`);
    const out = replyReferences({ id: '<me@x>', references: refs });
    expect(out).toHaveLength(100);
    expect(out[0]).toBe('<r0@x>');
    expect(out[99]).toBe('<me@x>');
    expect(out).not.toContain('<r1@x>');
  });
});

describe('thread tree', () => {
  const a = (id: string, references: string[], date: string) => ({ id, references, date, subject: id, from: 'f' });

  it('hangs each article under its nearest present ancestor, in date order', () => {
    const rows = threadTree([
      a('<r@x>', [], '2026-01-01T00:00:00Z'),
      a('<b@x>', ['<r@x>'], '2026-01-01T00:02:00Z'),
      a('<a@x>', ['<r@x>'], '2026-01-01T00:01:00Z'),
      a('<a1@x>', ['<r@x>', '<a@x>'], '2026-01-01T00:03:00Z'),
      // Its parent <gone@x> never reached us: it hangs under <b@x>.
      a('<c@x>', ['<r@x>', '<b@x>', '<gone@x>'], '2026-01-01T00:04:00Z'),
    ]);
    expect(rows.map((r) => `${r.depth}:${r.id}:${r.replies}`)).toEqual(['0:<r@x>:4', '1:<a@x>:1', '2:<a1@x>:0', '1:<b@x>:1', '2:<c@x>:0']);
  });

  it('handles a 500-deep chain and reference cycles without recursion', () => {
    const chain = [a('<0@x>', [], '2026-01-01T00:00:00Z')];
    for (let i = 1; i < 500; i++) chain.push(a(`<${i}@x>`, chain.slice(Math.max(0, i - 100), i).map((c) => c.id), '2026-01-01T00:00:00Z'));
    const rows = threadTree(chain);
    expect(rows).toHaveLength(500);
    expect(rows[499].depth).toBe(499);
    const cyc = threadTree([a('<p@x>', ['<q@x>'], '2026-01-01T00:00:00Z'), a('<q@x>', ['<p@x>'], '2026-01-01T00:00:00Z')]);
    expect(cyc.map((r) => r.id).sort()).toEqual(['<p@x>', '<q@x>']);
  });
});

describe('dates, forms, feed text, paths', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  it('says dates in a human form with the exact time available', () => {
    expect(humanDate('2026-03-10T11:59:50Z', now)).toBe('just now');
    expect(humanDate('2026-03-10T11:30:00Z', now)).toBe('30 min ago');
    expect(humanDate('2026-03-10T07:00:00Z', now)).toBe('5 h ago');
    expect(humanDate('2026-03-07T12:00:00Z', now)).toBe('3 d ago');
    expect(humanDate('2026-01-02T12:00:00Z', now)).toBe('2 Jan');
    expect(humanDate('2024-01-02T12:00:00Z', now)).toBe('2 Jan 2024');
    expect(humanDate(null, now)).toBe('never');
    expect(exactDate('2026-03-10T11:30:00.123Z')).toBe('2026-03-10 11:30:00 UTC');
  });

  it('turns forms into protocol requests or one readable reason', () => {
    const ok = postFromForm(['a.b'], { from: ' me ', subject: 's', body: 'b', references: '<x@y>  <z@y>' });
    expect(ok).toEqual({ ok: true, value: { newsgroups: ['a.b'], from: 'me', subject: 's', body: 'b', references: ['<x@y>', '<z@y>'] } });
    expect(postFromForm(['a.b'], { from: '', subject: 's', body: '', references: '' })).toEqual({ ok: false, error: 'from must not be empty' });
    expect(postFromForm(['a.b'], { from: 'f', subject: 's', body: '', references: 'nope' })).toEqual({ ok: false, error: 'references: message-id must look like <left@right>' });
    expect(peerFromForm({ url: 'not a url', groups: '' }).ok).toBe(false);
    expect(peerFromForm({ url: ' http://127.0.0.1:9 ', groups: '' })).toEqual({ ok: true, value: { url: 'http://127.0.0.1:9' } });
    expect(mirrorFromForm({ peer: 'p', group: 'Comp.Lang', follow: 'on' })).toEqual({ ok: true, value: { peer: 'p', group: 'comp.lang', follow: true } });
  });

  it('keeps feed text valid XML and ids valid URIs', () => {
    expect(xmlText('a\u0001b\u0009c')).toBe('a\uFFFDb\tc');
    expect(newsUri('<a b"%@x.y>')).toBe('news:a%20b%22%25@x.y');
  });

  it('finds the templates from source', () => {
    expect(existsSync(`${packageRoot()}/package.json`)).toBe(true);
    expect(existsSync(`${webDirs().templates}/layout.njk`)).toBe(true);
  });
});

describe('group page cache and tree rows', () => {
  it('serves a page only while the group and the time window are unchanged, and evicts the least recently used', () => {
    const cache = new PageCache(2);
    cache.set('a', { high: 5, window: 1, html: 'A' });
    cache.set('b', { high: 5, window: 1, html: 'B' });
    expect(cache.get('a', 5, 1)).toBe('A');
    expect(cache.get('a', 6, 1)).toBeUndefined();
    cache.set('a', { high: 6, window: 1, html: 'A2' });
    expect(cache.get('a', 6, 2)).toBeUndefined();
    cache.set('a', { high: 6, window: 2, html: 'A3' });
    cache.set('c', { high: 1, window: 2, html: 'C' });
    // 'b' was used least recently: it went when 'c' came in.
    expect(cache.get('b', 5, 1)).toBeUndefined();
    expect(cache.get('a', 6, 2)).toBe('A3');
    expect(cache.size).toBe(2);
    const off = new PageCache(0);
    off.set('a', { high: 1, window: 1, html: 'A' });
    expect(off.get('a', 1, 1)).toBeUndefined();
  });

  it('escapes every row and marks the current article', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    const html = treeRowsHtml(
      [
        { id: '<r"1@x>', subject: '<b>hi</b>', from: 'A & B', date: '2026-03-10T11:00:00Z', depth: 0, replies: 1 },
        { id: '<c@x>', subject: 'Re: hi', from: 'c', date: '2026-03-10T11:30:00Z', depth: 14, replies: 0 },
      ],
      '<c@x>',
      now,
    );
    expect(html).toContain('<li class="d0"><a class="node" href="/a/%3Cr%221%40x%3E"><span class="subject">&lt;b&gt;hi&lt;/b&gt;</span> <span class="meta">A &amp; B · <time datetime="2026-03-10T11:00:00Z" title="2026-03-10 11:00:00 UTC">1 h ago</time></span></a></li>');
    expect(html).toContain('<li class="d12 current"><span class="node" aria-current="true"><span class="subject">Re: hi</span>');
  });
});
