/**
 * Group lists are paged: GET /api/groups and GET /v1/groups take `?after=NAME&limit=N` (the
 * answer stays an array; a full page links to the next), answer every group in name order
 * without parameters, and refuse a bad limit with the field named; the home page pages by
 * name with next/previous links; `newsmesh groups` follows the pages.
 */
import { allGroups } from '../../node/cli/read';
import { ApiClient } from '../../node/cli/api-client';
import { postJson } from '../helpers/mirror';
import { makeArticle, startTestNode, type TestNode } from '../helpers/node';

const names = (rows: { name: string }[]) => rows.map((r) => r.name);
const group = (i: number) => `test.g${String(i).padStart(3, '0')}`;
const COUNT = 105;

describe('paged group lists', () => {
  let node: TestNode;
  const all = Array.from({ length: COUNT }, (_, i) => group(i));
  beforeAll(async () => {
    node = await startTestNode({ name: 'pages' });
    // Imported in reverse name order, so name order is not acceptance order.
    const articles = [...all].reverse().map((g, i) => makeArticle({ newsgroups: [g] }, i));
    await postJson(`${node.webUrl}/api/import`, { articles }, 200);
  });
  afterAll(async () => {
    await node.destroy();
  });

  it('answers every group in name order without parameters, and pages with after and limit', async () => {
    const whole = await fetch(`${node.webUrl}/api/groups`);
    expect(whole.headers.get('link')).toBeNull();
    expect(names((await whole.json()) as { name: string }[])).toEqual(all);

    const first = await fetch(`${node.webUrl}/api/groups?limit=3`);
    expect(names((await first.json()) as { name: string }[])).toEqual(all.slice(0, 3));
    expect(first.headers.get('link')).toBe(`</api/groups?after=${group(2)}&limit=3>; rel="next"`);
    const second = (await (await fetch(`${node.webUrl}/api/groups?after=${group(2)}&limit=3`)).json()) as { name: string }[];
    expect(names(second)).toEqual(all.slice(3, 6));
    expect(await (await fetch(`${node.webUrl}/api/groups?after=${group(COUNT - 1)}`)).json()).toEqual([]);
  });

  it('refuses a limit out of range, naming the field', async () => {
    for (const bad of ['0', '5001', 'x']) {
      const res = await fetch(`${node.webUrl}/api/groups?limit=${bad}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
    }
  });

  it('pages the peer protocol group list the same way', async () => {
    const res = await fetch(`${node.peerUrl}/v1/groups?after=${group(10)}&limit=2`);
    expect(res.headers.get('link')).toBe(`</v1/groups?after=${group(12)}&limit=2>; rel="next"`);
    expect(await res.json()).toEqual([
      { name: group(11), count: 1, low: 1, high: 1 },
      { name: group(12), count: 1, low: 1, high: 1 },
    ]);
    expect(((await (await fetch(`${node.peerUrl}/v1/groups`)).json()) as unknown[]).length).toBe(COUNT);
  });

  it('pages the home page with next and previous links', async () => {
    const first = await (await fetch(`${node.webUrl}/`)).text();
    expect(first).toContain(`${COUNT} groups on`);
    expect(first).toContain(`href="/?after=${group(99)}"`);
    expect(first).not.toContain('rel="prev"');
    expect(first).toContain(`>${group(0)}</a>`);
    expect(first).not.toContain(`>${group(100)}</a>`);
    const second = await (await fetch(`${node.webUrl}/?after=${group(99)}`)).text();
    expect(second).toContain(`>${group(100)}</a>`);
    expect(second).toContain(`>${group(104)}</a>`);
    expect(second).not.toContain(`>${group(99)}</a>`);
    expect(second).not.toContain('rel="next"');
    expect(second).toContain(`href="/?before=${group(100)}"`);
    const back = await (await fetch(`${node.webUrl}/?before=${group(100)}`)).text();
    expect(back).toContain(`>${group(0)}</a>`);
    expect(back).toContain(`>${group(99)}</a>`);
    expect(back).not.toContain('rel="prev"');
  });

  it('follows the pages from the CLI', async () => {
    expect(names(await allGroups(new ApiClient(node.webUrl), 10))).toEqual(all);
  });
});
