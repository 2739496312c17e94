/**
 * The reading pages over real HTTP on one node: what is new (counts on the home page, marks
 * on the group page, next new, reading marks read, mark all read, the /api/unread routes),
 * the whole-thread view paged in bounded slices, the search page, HTML error pages for page
 * paths while /api keeps JSON, and `newsmesh check --reindex` on a stopped node's data dir.
 */
import { startTestNode, type TestNode } from '../helpers/node';
import { runCli } from '../helpers/process';
import { readingPart } from '../../node/reading/reading-part';
import { webPart } from '../../web/part';
import { SLICE_ARTICLES, SLICE_CHARS } from '../../web/thread-page';
import { inputValue, WebClient } from './web-client';
import { waitFor } from '../helpers/wait';

const parts = [readingPart(), webPart];

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe('what is new', () => {
  let node: TestNode;
  let web: WebClient;
  const ids: string[] = [];
  beforeAll(async () => {
    node = await startTestNode({}, { parts });
    web = new WebClient(node.webUrl);
    const { service } = node.components;
    const t1 = (await service.post({ newsgroups: ['news.a'], from: 'x', subject: 'first', body: 'one' })).id;
    ids.push(t1);
    ids.push((await service.post({ newsgroups: ['news.a'], from: 'y', subject: 'Re: first', body: 'two', references: [t1] })).id);
    ids.push((await service.post({ newsgroups: ['news.a'], from: 'z', subject: 'second', body: 'three' })).id);
    ids.push((await service.post({ newsgroups: ['news.b'], from: 'z', subject: 'elsewhere', body: 'four' })).id);
  });
  afterAll(() => node.destroy());

  it('counts new articles per group on the home page and in /api/unread', async () => {
    const home = await web.get('/');
    expect(home.html).toContain('4 new articles');
    expect(home.html).toMatch(/<a class="unread-count" href="\/g\/news.a\/next-new"[^>]*>3<\/a>/);
    const api = (await (await fetch(`${node.webUrl}/api/unread`)).json()) as { group: string; unread: number }[];
    expect(api.sort((x, y) => x.group.localeCompare(y.group))).toEqual([
      { group: 'news.a', unread: 3, readUpTo: 0, high: 3 },
      { group: 'news.b', unread: 1, readUpTo: 0, high: 1 },
    ]);
  });

  it('marks threads with unread articles, moves through them with next new, and reading marks them read', async () => {
    let group = await web.get('/g/news.a');
    expect(count(group.html, /<li class="thread unread"/g)).toBe(2);
    const next = await web.get('/g/news.a/next-new');
    expect(next.status).toBe(303);
    expect(next.headers.get('location')).toBe(`/a/${encodeURIComponent(ids[0])}#current`);
    // Reading the thread marks both of its articles read (the page was answered after the mark).
    await web.get(`/a/${encodeURIComponent(ids[0])}`);
    group = await web.get('/g/news.a');
    expect(count(group.html, /<li class="thread unread"/g)).toBe(1);
    expect(group.html).toContain('1 new');
    expect((await web.get('/g/news.a/next-new')).headers.get('location')).toBe(`/a/${encodeURIComponent(ids[2])}#current`);
    const threads = (await (await fetch(`${node.webUrl}/api/unread/news.a?new=true`)).json()) as { root: string; unread: boolean }[];
    expect(threads).toEqual([expect.objectContaining({ root: ids[2], unread: true })]);
    const all = (await (await fetch(`${node.webUrl}/api/unread/news.a`)).json()) as { unread: boolean }[];
    expect(all.map((t) => t.unread)).toEqual([true, false]);
  });

  it('marks a whole group read from its page (CSRF checked) and through the API', async () => {
    const page = await web.get('/g/news.a');
    const refused = await web.post('/g/news.a/read', {});
    expect(refused.status).toBe(403);
    const done = await web.post('/g/news.a/read', { _csrf: inputValue(page.html, '_csrf')! });
    expect(done.status).toBe(303);
    expect((await web.get('/g/news.a')).html).not.toContain('class="thread unread"');
    // Nothing new left in news.a: next new goes back to the group.
    expect((await web.get('/g/news.a/next-new')).headers.get('location')).toBe('/g/news.a');
    const res = await fetch(`${node.webUrl}/api/unread/news.b`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await res.json()).toEqual({ group: 'news.b', unread: 0, readUpTo: 1, high: 1 });
    expect((await web.get('/next-new')).headers.get('location')).toBe('/');
    const missing = await fetch(`${node.webUrl}/api/unread/no.such`);
    expect(missing.status).toBe(404);
  });
});

describe('whole-thread view', () => {
  let node: TestNode;
  let web: WebClient;
  let root: string;
  const replies: string[] = [];
  beforeAll(async () => {
    node = await startTestNode({}, { parts });
    web = new WebClient(node.webUrl);
    const { service } = node.components;
    root = (await service.post({ newsgroups: ['big.thread'], from: 'op', subject: 'A big thread', body: 'root body' })).id;
    // Bodies of 40,000 characters: the size budget, not the count, cuts the pages.
    for (let i = 0; i < 20; i++) {
      replies.push((await service.post({ newsgroups: ['big.thread'], from: `r${i}`, subject: 'Re: A big thread', body: `reply ${i} ${'x'.repeat(40_000)}`, references: [root] })).id);
    }
  });
  afterAll(() => node.destroy());

  it('shows the page holding the current article, in bounded slices with links to the others', async () => {
    const perPage = Math.floor(SLICE_CHARS / 40_010);
    expect(perPage).toBeLessThan(SLICE_ARTICLES);
    const first = await web.get(`/a/${encodeURIComponent(root)}`);
    expect(first.status).toBe(200);
    expect(count(first.html, /<li class="msg/g)).toBe(perPage + 1);
    expect(first.html).toContain('showing 1–');
    expect(first.html).not.toContain('data-key="earlier"');
    expect(first.html).toContain('data-key="later"');
    expect(first.html.length).toBeLessThan(SLICE_CHARS * 1.3);
    const last = await web.get(`/a/${encodeURIComponent(replies[19])}`);
    expect(last.html).toContain('data-key="earlier"');
    expect(last.html).toMatch(/<li class="msg current" id="current" data-id="[^"]+">/);
    expect(last.html).toContain('reply 19 ');
    expect(last.html).not.toContain('root body');
    // Every article is in the outline, whatever page shows.
    expect(count(last.html, /<li class="d\d+/g)).toBe(21);
  });

  it('keeps the one-article view with ?view=article and opens the reply form only on demand', async () => {
    const one = await web.get(`/a/${encodeURIComponent(replies[3])}?view=article`);
    expect(one.html).toContain('<article class="card article" id="article">');
    expect(inputValue(one.html, 'references')).toBe(`${root} ${replies[3]}`);
    const thread = await web.get(`/a/${encodeURIComponent(replies[3])}`);
    expect(thread.html).not.toContain('name="references"');
    const withForm = await web.get(`/a/${encodeURIComponent(replies[3])}?reply=1`);
    expect(withForm.html).toContain('<section class="reply-slot" id="reply"');
    expect(inputValue(withForm.html, 'references')).toBe(`${root} ${replies[3]}`);
  });

  it('answers a bad reply with 400, the form open under its article and the text kept', async () => {
    const withForm = await web.get(`/a/${encodeURIComponent(replies[3])}?reply=1`);
    const res = await web.post(`/a/${encodeURIComponent(replies[3])}`, { _csrf: inputValue(withForm.html, '_csrf')!, from: 'me', subject: '', body: 'kept text', references: `${root} ${replies[3]}` });
    expect(res.status).toBe(400);
    expect(res.html).toContain('<section class="reply-slot" id="reply"');
    expect(res.html).toContain('kept text');
    expect(res.html).toContain('role="alert"');
  });
});

describe('search page and error pages', () => {
  let node: TestNode;
  let web: WebClient;
  beforeAll(async () => {
    node = await startTestNode({}, { parts });
    web = new WebClient(node.webUrl);
    for (let i = 0; i < 25; i++) await node.components.service.post({ newsgroups: ['find.me'], from: 'f', subject: `Needle <${i}>`, body: `haystack ${i}` });
    await waitFor('the index', async () => ((await node.components.service.reading!.searchStatus()).pending === 0 ? true : undefined));
  });
  afterAll(() => node.destroy());

  it('marks the matched words, escapes the rest, and pages the results', async () => {
    const page = await web.get('/search?q=needle&sort=new');
    expect(page.status).toBe(200);
    expect(count(page.html, /<li class="hit">/g)).toBe(20);
    expect(page.html).toContain('<mark>Needle</mark> &lt;24&gt;');
    expect(page.html).toContain('rel="next" href="/search?q=needle&amp;sort=new&amp;offset=20"');
    const next = await web.get('/search?q=needle&sort=new&offset=20');
    expect(count(next.html, /<li class="hit">/g)).toBe(5);
    expect(next.html).toContain('rel="prev"');
    const none = await web.get('/search?q=zzzz&group=find.me');
    expect(none.html).toContain('Nothing found for <strong>zzzz</strong> in find.me');
    // The search box is on every page.
    expect((await web.get('/')).html).toContain('<form class="search-box" method="get" action="/search" role="search"');
  });

  it('answers unknown page paths and bad page input with HTML pages, and /api with JSON', async () => {
    const page = await web.get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.html).toContain('<h1>Page not found</h1>');
    const bad = await web.get('/search?q=x&sort=sideways');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/text\/html/);
    const badId = await web.get('/a/not-an-id');
    expect(badId.status).toBe(400);
    expect(badId.html).toContain('message-id');
    const api = await fetch(`${node.webUrl}/api/nothing`);
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: { code: 'NM_ERR_NOT_FOUND', message: 'no route GET /api/nothing' } });
    const health = await fetch(`${node.webUrl}/healthz/x`);
    expect(health.headers.get('content-type')).toMatch(/text\/html/);
    const icon = await fetch(`${node.webUrl}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });
});

describe('newsmesh check --reindex', () => {
  it('rebuilds the search index of a stopped node, which the next start serves at once', async () => {
    const first = await startTestNode({}, { parts: [] });
    for (let i = 0; i < 5; i++) await first.components.service.post({ newsgroups: ['re.index'], from: 'r', subject: `Wombat ${i}`, body: 'burrow' });
    await first.close();
    const res = await runCli(['check', '--reindex', '--data', first.dir]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('newsmesh check: search index rebuilt: 5 articles');
    expect(res.stdout).toMatch(/newsmesh check: ok: 5 articles/);
    const second = await startTestNode({ data: first.dir }, { parts });
    try {
      const status = await waitFor('the saved index loaded', async () => {
        const s = await second.components.service.reading!.searchStatus();
        return s.ready ? s : undefined;
      });
      expect(status).toMatchObject({ docs: 5, pending: 0 });
      const hits = (await (await fetch(`${second.webUrl}/api/search?q=wombat`)).json()) as unknown[];
      expect(hits.length).toBe(5);
    } finally {
      await second.destroy();
    }
  });
});
