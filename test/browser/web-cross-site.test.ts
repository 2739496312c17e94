/**
 * A page on another site, opened in a real Chromium by the owner of a node, tries to approve
 * a stranger's pending peering request on that node every way a page can without CORS:
 * bodiless and text/plain fetches (no-cors), a percent-encoded path, a JSON fetch (needs a
 * preflight), and a plain HTML form post to the API and to the page route. None may work.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { GossipEngine } from '../../node/gossip/gossip-engine';
import { startTestNode, type TestNode } from '../helpers/node';
import { browserAvailable, launchChromium } from './chromium';

jest.setTimeout(60_000);

const maybe = browserAvailable('cross-site browser suite') ? describe : describe.skip;

/** The attacker's page: fires everything, then posts a form (a top-level navigation). */
function attackPage(target: string): string {
  const api = `${target}/api/peers/stranger/approve`;
  return `<!doctype html><html><body>
<form id="plain" method="post" enctype="text/plain" action="${api}"><input name='{"x":"' value='"}'></form>
<script>
const tries = [
  fetch(${JSON.stringify(api)}, { method: 'POST', mode: 'no-cors' }),
  fetch(${JSON.stringify(api)}, { method: 'POST', mode: 'no-cors', body: '{}' }),
  fetch(${JSON.stringify(`${target}/%61pi/peers/stranger/approve`)}, { method: 'POST', mode: 'no-cors' }),
  fetch(${JSON.stringify(`${target}/%61pi/peers/stranger/approve`)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }),
  fetch(${JSON.stringify(`${target}/peers/stranger/approve`)}, { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ a: 'b' }) }),
  fetch(${JSON.stringify(api)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
  fetch(${JSON.stringify(`${target}/api/peers/stranger`)}, { method: 'DELETE', mode: 'no-cors' }),
];
Promise.allSettled(tries).then((r) => {
  document.title = 'fired ' + r.map((x) => x.status).join(',');
  document.getElementById('plain').submit();
});
</script></body></html>`;
}

maybe('a page of another site in a real browser', () => {
  let node: TestNode;
  let browser: Browser;
  let evil: Server;
  let evilUrl: string;

  beforeAll(async () => {
    [node, browser] = await Promise.all([startTestNode({ name: 'victim', acceptPeers: 'approve' }), launchChromium()]);
    evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(node.webUrl)));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    // "localhost" is another site than 127.0.0.1 for the browser.
    evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => evil?.close(r));
    await node?.destroy();
  });

  it('cannot approve a pending peer nor forget one', async () => {
    const engine = node.components.service.peers as GossipEngine;
    await engine.table.put({
      name: 'stranger',
      url: 'http://127.0.0.1:1',
      tokenIn: 'token-stranger',
      localOk: false,
      remoteOk: true,
      addedAt: Date.now(),
      lastSeenAt: null,
      lastError: null,
      byOwner: false,
    });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const answers: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(node.webUrl)) answers.push({ url: r.url(), status: r.status() });
    });
    const landed = page.waitForURL(`${node.webUrl}/api/peers/stranger/approve`, { timeout: 20_000 });
    await page.goto(evilUrl);
    await landed;
    // The request is still waiting for the owner...
    expect(engine.table.get('stranger')?.localOk).toBe(false);
    expect(engine.table.get('stranger')).toBeDefined();
    expect(await page.content()).toMatch(/NM_ERR_(CROSS_SITE|MEDIA_TYPE)/);
    // ...because the node refused what the page sent (not because the browser never sent it).
    expect(answers.length).toBeGreaterThanOrEqual(5);
    for (const a of answers) expect({ ...a, refused: a.status >= 400 }).toEqual({ ...a, refused: true });
    await ctx.close();
  });
});
