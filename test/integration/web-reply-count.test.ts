/**
 * Reply counts on the group page when the thread root is, or is not, on this node (replies
 * can arrive before their root, or without it).
 */
import { makeArticle, startTestNode, type TestNode } from '../helpers/node';

describe('reply counts on the group page', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(() => node.destroy());

  const page = async () => (await fetch(`${node.webUrl}/g/test.r`)).text();

  it('counts every article but the root when the root is here', async () => {
    const { ingest } = node.components;
    const root = makeArticle({ id: '<root-here@x>', newsgroups: ['test.r'], subject: 'rooted' });
    const reply = makeArticle({ id: '<reply-here@x>', newsgroups: ['test.r'], references: ['<root-here@x>'], subject: 'Re: rooted' });
    expect((await ingest.submit([root, reply], { kind: 'import' })).map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(await page()).toMatch(/rooted[\s\S]*?1 reply\b/);
  });

  it('counts every article when the root never arrived', async () => {
    const { ingest } = node.components;
    const replies = [1, 2].map((i) =>
      makeArticle({ id: `<orphan-${i}@x>`, newsgroups: ['test.r'], references: ['<absent-root@x>'], subject: 'Re: orphaned' }),
    );
    expect((await ingest.submit(replies, { kind: 'import' })).map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(await page()).toMatch(/orphaned[\s\S]*?2 replies/);
  });
});
