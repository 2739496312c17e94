/**
 * The pages over real HTTP on one node: every page renders, posting and replying through
 * the forms (303, the `from` cookie, a new group created), escaping of hostile text, CSRF
 * refusal, 400 with the typed text kept, paging by activity, the Atom feed, security headers.
 */
import { startTestNode, type TestNode } from '../helpers/node';
import { webPart } from '../../web/part';
import { inputValue, textareaValue, WebClient } from './web-client';

const XSS = '<script>alert("x")</script>';

describe('web pages', () => {
  let node: TestNode;
  let web: WebClient;
  beforeAll(async () => {
    node = await startTestNode({}, { parts: [webPart] });
    web = new WebClient(node.webUrl);
  });
  afterAll(() => node.destroy());

  async function newThread(group: string, fields: Record<string, string>) {
    const form = await web.get(`/g/${group}/new`);
    expect(form.status).toBe(200);
    return web.post(`/g/${group}/new`, { _csrf: inputValue(form.html, '_csrf')!, ...fields });
  }

  it('renders the empty home page with strict security headers and no inline script', async () => {
    const page = await web.get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.html).toContain('No groups yet');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page.html).not.toMatch(/\sstyle=/);
    const css = await web.get('/static/style.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  it('posts a new thread to a new group: 303 to the article, group created, from remembered', async () => {
    const res = await newThread('test.web', { from: 'Ada <ada@example>', subject: 'Hello mesh', body: 'First line\r\nsee https://example.org/x?a=1&b=2.\r\n' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/a\/%3C.+%3E$/);
    const article = await web.get(location);
    expect(article.status).toBe(200);
    expect(article.html).toContain('<h1>Hello mesh</h1>');
    expect(article.html).toContain('<a href="https://example.org/x?a=1&amp;b=2" rel="nofollow noopener" class="ext">');
    expect(article.html).toContain('First line\nsee');
    // Reply form: quoted parent, Re: subject, references = parent id.
    expect(inputValue(article.html, 'subject')).toBe('Re: Hello mesh');
    expect(textareaValue(article.html, 'body')).toContain('Ada <ada@example> wrote:\n> First line\n');
    expect(inputValue(article.html, 'references')).toBe(decodeURIComponent(location.slice(3)));
    expect(inputValue(article.html, 'from')).toBe('Ada <ada@example>');

    const home = await web.get('/');
    expect(home.html).toMatch(/<a href="\/g\/test.web">test.web<\/a>/);
    const again = await web.get('/g/test.web/new');
    expect(inputValue(again.html, 'from')).toBe('Ada <ada@example>');
  });

  it('replies through the article form and draws the thread as a tree', async () => {
    const root = await newThread('test.tree', { from: 'a', subject: 'root', body: 'root body' });
    const rootUrl = root.headers.get('location')!;
    const page = await web.get(rootUrl);
    const reply = await web.post(rootUrl, {
      _csrf: inputValue(page.html, '_csrf')!,
      from: 'b',
      subject: inputValue(page.html, 'subject')!,
      body: `${textareaValue(page.html, 'body')}my answer`,
      references: inputValue(page.html, 'references')!,
    });
    expect(reply.status).toBe(303);
    // The new article's page, scrolled to it.
    expect(reply.headers.get('location')).toMatch(/^\/a\/%3C.+%3E#current$/);
    const replyUrl = reply.headers.get('location')!.replace(/#current$/, '');
    const stored = await node.components.service.getArticle(decodeURIComponent(replyUrl.slice(3)));
    expect(stored.references).toEqual([decodeURIComponent(rootUrl.slice(3))]);
    expect(stored.newsgroups).toEqual(['test.tree']);
    const replyPage = await web.get(replyUrl);
    expect(replyPage.html).toContain('Thread <span class="count">2 articles</span>');
    expect(replyPage.html).toMatch(/<li class="d0">\s*<a class="node" href="\/a\/[^"]+"><span class="subject">root<\/span>/);
    expect(replyPage.html).toMatch(/<li class="d1 current">\s*<span class="node" aria-current="true"><span class="subject">Re: root<\/span>/);
    expect(replyPage.html).toContain('<blockquote class="quote">');
    const group = await web.get('/g/test.tree');
    expect(group.html).toContain('1 reply');
  });

  it('escapes a <script> in from, subject, body and group name everywhere', async () => {
    const res = await newThread('test.xss', { from: XSS, subject: XSS, body: `${XSS}\n> ${XSS}` });
    expect(res.status).toBe(303);
    const pages = [await web.get(res.headers.get('location')!), await web.get('/g/test.xss'), await web.get('/g/test.xss/feed.atom')];
    for (const p of pages) {
      expect(p.status).toBe(200);
      expect(p.html).not.toContain('<script>');
      expect(p.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    }
    const go = await web.get(`/go?group=${encodeURIComponent(XSS)}`);
    expect(go.status).toBe(400);
    expect(go.html).not.toContain('<script>');
    expect(inputValue(go.html, 'group')).toBe(XSS);
    const bad = await web.get(`/g/${encodeURIComponent(XSS)}`);
    expect(bad.status).toBe(400);
    expect(bad.html).not.toContain('<script>');
    expect(bad.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('refuses a POST without a valid CSRF token and stores nothing', async () => {
    const before = (await node.components.service.stats()).articles;
    const fields = { from: 'x', subject: 'no token', body: 'b' };
    expect((await web.post('/g/test.csrf/new', fields)).status).toBe(403);
    expect((await web.post('/g/test.csrf/new', { ...fields, _csrf: 'forged-token' })).status).toBe(403);
    // A token from a page but without the secret cookie (another site's form) is refused too.
    const form = await web.get('/g/test.csrf/new');
    const stranger = new WebClient(node.webUrl);
    const refused = await stranger.post('/g/test.csrf/new', { ...fields, _csrf: inputValue(form.html, '_csrf')! });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('This form has expired');
    expect((await node.components.service.stats()).articles).toBe(before);
    expect(await node.components.service.group('test.csrf')).toBeUndefined();
  });

  it('answers a bad form with 400, the reason and everything typed kept', async () => {
    const body = 'A long thought\nwith "quotes" & <angle> brackets\n';
    const res = await newThread('test.bad', { from: 'Grace', subject: '', body });
    expect(res.status).toBe(400);
    expect(res.html).toContain('subject must not be empty');
    expect(inputValue(res.html, 'from')).toBe('Grace');
    expect(textareaValue(res.html, 'body')).toBe(body);
    const tooLong = await newThread('test.bad', { from: 'x'.repeat(300), subject: 'ok', body: 'kept' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.html).toContain('from must be at most 256 characters');
    expect(textareaValue(tooLong.html, 'body')).toBe('kept');
    const huge = await newThread('test.bad', { from: 'x', subject: 'big', body: 'y'.repeat(70 * 1024) });
    expect(huge.status).toBe(400);
    expect(huge.html).toMatch(/body is \d+ bytes, more than the limit/);
    expect(await node.components.service.group('test.bad')).toBeUndefined();
  });

  it('pages threads by latest activity, 50 per page', async () => {
    const { service } = node.components;
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await service.post({ newsgroups: ['test.paging'], from: 'p', subject: `thread ${i}`, body: `${i}` })).id);
    // A reply to the oldest thread makes it the most active one.
    await service.post({ newsgroups: ['test.paging'], from: 'p', subject: 'Re: thread 0', body: 'bump', references: [ids[0]] });
    const first = await web.get('/g/test.paging');
    const subjects = (html: string) => [...html.matchAll(/<a class="subject" href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    const s1 = subjects(first.html);
    expect(s1).toHaveLength(50);
    expect(s1[0]).toBe('thread 0');
    expect(s1[1]).toBe('thread 119');
    const next1 = /href="(\/g\/test.paging\?before=\d+)"/.exec(first.html)![1];
    const second = await web.get(next1);
    expect(subjects(second.html)[0]).toBe('thread 70');
    const next2 = /href="(\/g\/test.paging\?before=\d+)"/.exec(second.html)![1];
    const third = await web.get(next2);
    const s3 = subjects(third.html);
    expect(s3).toHaveLength(20);
    expect(s3[19]).toBe('thread 1');
    expect(third.html).not.toContain('Older threads');
    expect(first.html).toContain('href="/g/test.paging/feed.atom"');
  });

  it('handles group names with + in every URL', async () => {
    const go = await web.get('/go?group=Comp.Lang.C%2B%2B');
    expect(go.status).toBe(303);
    expect(go.headers.get('location')).toBe('/g/comp.lang.c%2B%2B');
    const res = await newThread('comp.lang.c%2B%2B', { from: 'k', subject: 'pointers', body: 'p' });
    expect(res.status).toBe(303);
    expect((await node.components.service.group('comp.lang.c++'))?.count).toBe(1);
    const page = await web.get('/g/comp.lang.c%2B%2B');
    expect(page.html).toContain('<h1 class="group-name">comp.lang.c++</h1>');
    expect(page.html).toContain('href="/g/comp.lang.c%2B%2B/feed.atom"');
  });

  it('never serves a stale group page: a new post shows at once', async () => {
    const { service } = node.components;
    await service.post({ newsgroups: ['test.cache'], from: 'c', subject: 'first', body: '1' });
    const subjects = async () => [...(await web.get('/g/test.cache')).html.matchAll(/<a class="subject" href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(await subjects()).toEqual(['first']);
    expect(await subjects()).toEqual(['first']);
    await service.post({ newsgroups: ['test.cache'], from: 'c', subject: 'second', body: '2' });
    expect(await subjects()).toEqual(['second', 'first']);
  });

  it('serves the latest 50 articles of a group as an Atom feed', async () => {
    const feed = await web.get('/g/test.paging/feed.atom');
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    expect(feed.html.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')).toBe(true);
    expect(feed.html.match(/<entry>/g)).toHaveLength(50);
    expect(feed.html).toMatch(/<id>news:[^<]+@[^<]+<\/id>/);
    // Newest first: the bump reply, then the last thread.
    const titles = [...feed.html.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles.slice(0, 3)).toEqual(['test.paging', 'Re: thread 0', 'thread 119']);
    expect((await web.get('/g/no.such.group/feed.atom')).status).toBe(404);
    // Conditional GET: unchanged until the group gets a new article.
    const etag = feed.headers.get('etag')!;
    const again = await fetch(`${node.webUrl}/g/test.paging/feed.atom`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    await node.components.service.post({ newsgroups: ['test.paging'], from: 'p', subject: 'newer', body: 'n' });
    const changed = await fetch(`${node.webUrl}/g/test.paging/feed.atom`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('shows 404 pages for unknown articles and the status page with counters', async () => {
    const missing = await web.get(`/a/${encodeURIComponent('<nope@nowhere>')}`);
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Not found');
    const status = await web.get('/status');
    expect(status.status).toBe(200);
    expect(status.html).toContain(node.name);
    expect(status.html).toContain(node.peerUrl);
    expect(status.html).toMatch(/<dt>Articles stored<\/dt><dd>\d+<\/dd>/);
  });

  it('says peering and mirroring are not available while the node has neither', async () => {
    const peers = await web.get('/peers');
    expect(peers.status).toBe(200);
    expect(peers.html).toContain('Peering is not available');
    const mirrors = await web.get('/mirrors');
    expect(mirrors.status).toBe(200);
    expect(mirrors.html).toContain('Mirroring is not available');
    const form = await web.get('/g/test.web/new');
    const add = await web.post('/peers', { _csrf: inputValue(form.html, '_csrf')!, url: 'http://127.0.0.1:1' });
    expect(add.status).toBe(404);
  });
});
