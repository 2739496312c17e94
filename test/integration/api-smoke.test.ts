import { startTestNode, type TestNode } from '../helpers/node';

describe('local API smoke', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(() => node.destroy());

  it('posts and reads back over real HTTP', async () => {
    const res = await fetch(`${node.webUrl}/api/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ newsgroups: ['test.a'], from: 'a', subject: 's', body: 'b' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const got = await fetch(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`);
    expect(got.status).toBe(200);
    expect(((await got.json()) as { id: string }).id).toBe(id);
  });
});
