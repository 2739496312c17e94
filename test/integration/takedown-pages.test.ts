import { startTestNode, type TestNode } from '../helpers/node';
import { WebClient, inputValue } from './web-client';
import { api } from './gossip-harness';
import { articleStatus, postArticle } from './takedown-helpers';

const aurl = (id: string) => `/a/${encodeURIComponent(id)}`;

describe('takedown pages', () => {
  let node: TestNode;
  let web: WebClient;
  beforeAll(async () => {
    node = await startTestNode({ name: 'pages' });
    web = new WebClient(node.webUrl);
  }, 30_000);
  afterAll(() => node.destroy());

  it('the remove button takes an article down (CSRF checked); the group page and /removals say so', async () => {
    const { id } = await postArticle(node, 'test.pages', 'an unwanted subject');
    await postArticle(node, 'test.pages', 'a thread that stays');
    const page = await web.get(`${aurl(id)}?view=article`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Remove from this node');
    expect(page.html).toContain('Cancel this article everywhere');
    const csrf = inputValue(page.html, '_csrf')!;
    // Without the token: refused, nothing removed.
    expect((await web.post(`${aurl(id)}/remove`, { reason: 'x' })).status).toBe(403);
    expect(await articleStatus(node, id)).toBe(200);
    // Without a reason: 400 with the reason shown.
    const empty = await web.post(`${aurl(id)}/remove`, { _csrf: csrf, reason: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('reason must not be empty');
    const done = await web.post(`${aurl(id)}/remove`, { _csrf: csrf, reason: 'spam, says the owner' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/removals');
    expect(await articleStatus(node, id)).toBe(410);
    const gonePage = await web.get(aurl(id));
    expect(gonePage.status).toBe(410);
    expect(gonePage.html).toContain("removed by this node&#39;s owner: spam, says the owner");
    const list = await web.get('/removals');
    expect(list.html).toContain('an unwanted subject');
    expect(list.html).toContain('spam, says the owner');
    const group = await web.get('/g/test.pages');
    expect(group.html).toContain("“an unwanted subject” <span class=\"muted\">removed by this node's owner: spam, says the owner");
    expect(group.html).toContain('a thread that stays');
    expect(group.html).not.toContain(`href="${aurl(id)}"`);
  }, 30_000);

  it('the cancel button cancels an article posted here; /posted lists the keys', async () => {
    const { id, cancelKey } = await postArticle(node, 'test.pages', 'mine to cancel');
    const posted = await web.get('/posted');
    expect(posted.html).toContain(cancelKey);
    const csrf = inputValue(posted.html, '_csrf')!;
    const res = await web.post(`${aurl(id)}/cancel`, { _csrf: csrf });
    expect(res.status).toBe(303);
    expect(await articleStatus(node, id)).toBe(410);
    const removals = await api<{ id: string; by: string }[]>(node, 'GET', '/api/removals');
    expect(removals.data[0]).toMatchObject({ id, by: 'cancel' });
    // An article that came from elsewhere has no cancel button and cannot be cancelled from here.
    const foreign = { id: '<foreign.1@elsewhere>', newsgroups: ['test.pages'], from: 'x@y', subject: 'from elsewhere', date: new Date().toISOString(), references: [], path: ['elsewhere'], body: 'b\n' };
    expect((await api<{ added: number }>(node, 'POST', '/api/import', { articles: [foreign] })).data.added).toBe(1);
    const page = await web.get(`${aurl(foreign.id)}?view=article`);
    expect(page.html).not.toContain('Cancel this article everywhere');
    expect((await web.post(`${aurl(foreign.id)}/cancel`, { _csrf: inputValue(page.html, '_csrf')! })).status).toBe(403);
    expect(await articleStatus(node, foreign.id)).toBe(200);
  }, 30_000);
});
