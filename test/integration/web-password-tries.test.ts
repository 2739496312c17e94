/**
 * Guessing the web password: failed tries are limited per client address with exponential
 * back-off (429 with Retry-After, during which no guess is even checked); a success resets
 * the count; a client that has not failed gets in at once.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { webPart } from '../../web/part';
import { startTestNode, type TestNode } from '../helpers/node';
import { waitFor } from '../helpers/wait';

const PASSWORD = 'correct horse battery';

describe('web password guessing', () => {
  let node: TestNode;
  const elsewhere = new Agent({ localAddress: '127.0.0.2' });
  beforeAll(async () => {
    node = await startTestNode({ webPassword: PASSWORD }, { parts: [webPart] });
  });
  afterAll(async () => {
    await elsewhere.close();
    await node.destroy();
  });

  const attempt = async (password: string, dispatcher?: Agent) => {
    const res = await undiciFetch(`${node.webUrl}/api/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${password}` },
      body: JSON.stringify({ newsgroups: ['test.pw'], from: 'a', subject: 's', body: 'b' }),
      // From another loopback address: another client as far as the node can tell.
      ...(dispatcher ? { dispatcher } : {}),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code: ((await res.json()) as { error?: { code: string } }).error?.code };
  };

  it('lets a client that never failed in at once', async () => {
    expect((await attempt(PASSWORD)).status).toBe(201);
  });

  it('checks only a handful of fast guesses, with waits that double', async () => {
    // Guess as fast as one client can for 1.5 s (hundreds of tries on loopback).
    const results: { at: number; status: number; retryAfter: string | null; code?: string }[] = [];
    const start = Date.now();
    for (let i = 0; Date.now() - start < 1500; i++) results.push({ at: Date.now(), ...(await attempt(`guess ${i}`)) });
    expect(results.length).toBeGreaterThanOrEqual(10);
    const checked = results.filter((r) => r.status === 401);
    const limited = results.filter((r) => r.status === 429);
    expect(checked.length + limited.length).toBe(results.length);
    // Three typos are free, then one try after 1 s (and maybe a second one after 2 s more).
    expect(checked.length).toBeGreaterThanOrEqual(4);
    expect(checked.length).toBeLessThanOrEqual(5);
    for (let k = 4; k < checked.length; k++) expect(checked[k].at - checked[k - 1].at).toBeGreaterThanOrEqual(1000 * 2 ** (k - 4) - 20);
    expect(limited[0]).toMatchObject({ code: 'NM_ERR_RATE_LIMIT', retryAfter: expect.stringMatching(/^\d+$/) });
    // While backing off, even the right password is not looked at.
    expect((await attempt(PASSWORD)).status).toBe(429);
    // Another address is not held back by this one's failures.
    expect((await attempt(PASSWORD, elsewhere)).status).toBe(201);

    // Wait out the back-off (seconds), bounded: then the right password works and resets.
    const retryAfter = Number(limited[limited.length - 1].retryAfter);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(4);
    const ok = await waitFor('the back-off to end', async () => {
      const r = await attempt(PASSWORD);
      return r.status === 429 ? undefined : r;
    }, { timeoutMs: (retryAfter + 3) * 1000, everyMs: 100 });
    expect(ok.status).toBe(201);
    // Reset: the next wrong try is checked again (401), not refused unseen (429).
    expect((await attempt('one typo')).status).toBe(401);
    expect((await attempt(PASSWORD)).status).toBe(201);
  });
});
