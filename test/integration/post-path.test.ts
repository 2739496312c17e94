/**
 * The local post path over real HTTP (issue 14, cheaper commits): a post's article is validated
 * once (NewPostSchema at the route; the node's rules after), yet a body over the node's limit
 * is still refused with the field named; the security headers are the ones helmet decides for
 * our configuration, on API replies and pages alike, without building helmet per request.
 */
import { ArticleSchema } from '../../protocol/article';
import { CSP_DIRECTIVES, webPart } from '../../web/part';
import { helmetHeaders } from '../../web/security-headers';
import { startTestNode, type TestNode } from '../helpers/node';

describe('POST /api/articles', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ maxArticleBytes: 2000 }, { parts: [webPart] });
  });
  afterAll(() => node.destroy());

  const post = (body: unknown) =>
    fetch(`${node.webUrl}/api/articles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('validates the article once: no second schema parse after the route', async () => {
    const spy = jest.spyOn(ArticleSchema, 'safeParse');
    try {
      const res = await post({ newsgroups: ['test.once'], from: 'me@example', subject: 'once', body: 'hello\n' });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      expect(spy).not.toHaveBeenCalled();
      const got = await fetch(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`);
      expect(await got.json()).toMatchObject({ id, newsgroups: ['test.once'], subject: 'once', body: 'hello\n', path: [node.name] });
    } finally {
      spy.mockRestore();
    }
  });

  it('still applies the node rules: a body over --max-article-bytes is a 400 naming body', async () => {
    const res = await post({ newsgroups: ['test.once'], from: 'me@example', subject: 'big', body: 'x'.repeat(2001) });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('NM_ERR_VALIDATION');
    expect(error.message).toMatch(/body/);
  });

  it('answers API replies and pages with the security headers helmet sets for our configuration', async () => {
    const expected = helmetHeaders({ contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES }, hsts: false, referrerPolicy: { policy: 'same-origin' } });
    expect(expected['content-security-policy']).toContain("default-src 'none'");
    expect(expected['referrer-policy']).toBe('same-origin');
    expect(expected['strict-transport-security']).toBeUndefined();
    const api = await post({ newsgroups: ['test.once'], from: 'me@example', subject: 'headers', body: 'b\n' });
    const page = await fetch(`${node.webUrl}/`);
    for (const res of [api, page]) {
      for (const [name, value] of Object.entries(expected)) expect([name, res.headers.get(name)]).toEqual([name, value]);
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});
