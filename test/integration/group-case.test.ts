/**
 * One rule for group-name case everywhere: a group name is lower case, and what a person types
 * in any case means the lower-case group, through the local API's bodies and paths and the
 * pages alike. Articles from peers keep the rule strictly (their Newsgroups is not rewritten).
 */
import { startTestNode, makeArticle, type TestNode } from '../helpers/node';
import { getJson, postJson } from '../helpers/mirror';
import { inputValue, WebClient } from './web-client';

describe('group-name case', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ name: 'case' });
  });
  afterAll(() => node.destroy());

  it('takes Test.Chat as test.chat in a post, in API paths and on the pages', async () => {
    const { body } = await postJson<{ id: string }>(`${node.webUrl}/api/articles`, { newsgroups: 'Test.Chat, Other.GROUP', from: 'a@b', subject: 's', body: 'b' }, 201);
    const a = await getJson<{ newsgroups: string[] }>(`${node.webUrl}/api/articles/${encodeURIComponent(body.id)}`);
    expect(a.newsgroups).toEqual(['test.chat', 'other.group']);
    expect((await getJson<{ name: string }[]>(`${node.webUrl}/api/groups`)).map((g) => g.name).sort()).toEqual(['other.group', 'test.chat']);
    expect(await getJson<{ id: string }[]>(`${node.webUrl}/api/groups/TEST.chat/articles`)).toEqual([expect.objectContaining({ id: body.id })]);
    expect(await getJson<{ root: string }[]>(`${node.webUrl}/api/groups/Test.Chat/threads`)).toEqual([expect.objectContaining({ root: body.id, articles: 1 })]);

    const web = new WebClient(node.webUrl);
    expect((await web.get('/g/Test.Chat')).html).toContain('test.chat');
    const form = await web.get('/g/Test.Chat/new');
    expect(form.status).toBe(200);
    const posted = await web.post('/g/Test.Chat/new', { _csrf: inputValue(form.html, '_csrf')!, from: 'x@y', subject: 'from the page', body: 'hi' });
    expect(posted.status).toBe(303);
    expect((await getJson<unknown[]>(`${node.webUrl}/api/groups/test.chat/articles`)).length).toBe(2);
  });

  it('keeps the rule strict for articles as they travel', async () => {
    const r = await postJson<{ added: number; problems: { reason: string }[] }>(`${node.webUrl}/api/import`, { articles: [makeArticle({ newsgroups: ['Test.Chat'] })] }, 200);
    expect(r.body).toMatchObject({ added: 0, problems: [{ reason: 'newsgroups: group name "Test.Chat" must be dot-separated components of a-z 0-9 + _ -' }] });
  });
});
