/**
 * End to end in a real headless Chromium (playwright-core + Debian's chromium) on two nodes
 * of this process: add the peer through A's peers page, post through A's form (JavaScript
 * off: the pages must work without it), see it on B's group page, reply on B, see the thread
 * on A. Checks that the CSP is never violated and that the Atom feed parses as XML, and saves
 * screenshots of every main page at desktop and phone width under test-output/screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestNode, type TestNode } from '../helpers/node';
import { browserAvailable, launchChromium, SCREENSHOTS } from './chromium';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

const run = browserAvailable('web browser suite');
const maybe = run ? describe : describe.skip;

const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 375, height: 812 } } as const;

/** Reloads until `selector` shows up (bounded in count and time): gossip is asynchronous. */
async function reloadUntil(page: Page, url: string, selector: string, timeoutMs = 20000): Promise<void> {
  await waitFor(
    `${selector} on ${url}`,
    async () => {
      await page.goto(url);
      return (await page.locator(selector).count()) > 0;
    },
    { timeoutMs, everyMs: 100 },
  );
}

maybe('web UI in a real browser', () => {
  let a: TestNode;
  let b: TestNode;
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [a, b, browser] = await Promise.all([startTestNode({ name: 'node-a' }), startTestNode({ name: 'node-b' }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.destroy(), b?.destroy()]);
  });

  async function context(viewport: keyof typeof VIEWPORTS, javaScriptEnabled = true): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: VIEWPORTS[viewport], javaScriptEnabled, isMobile: viewport === 'phone', hasTouch: viewport === 'phone' });
    ctx.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    return ctx;
  }

  it('peers A with B through the page, posts on A, reads and replies on B, sees the thread on A', async () => {
    // A's owner browses without JavaScript: everything must work with plain forms.
    const ctxA = await context('desktop', false);
    const ctxB = await context('desktop');
    const pa = await ctxA.newPage();
    const pb = await ctxB.newPage();

    await pa.goto(`${a.webUrl}/peers`);
    await pa.getByLabel('Peer address').fill(b.peerUrl);
    await pa.getByRole('button', { name: 'Add peer' }).click();
    await pa.waitForURL(`${a.webUrl}/peers`);
    await expectVisible(pa, 'table.peers strong:text-is("node-b")');

    await pa.goto(`${a.webUrl}/`);
    await pa.getByLabel('Open or start a group').fill('demo.mesh');
    await pa.getByRole('button', { name: 'Open' }).click();
    await pa.waitForURL(`${a.webUrl}/g/demo.mesh`);
    await pa.getByRole('link', { name: 'New thread' }).click();
    await pa.getByLabel('From').fill('Alice <alice@node-a>');
    await pa.getByLabel('Subject').fill('Hello from A');
    await pa.getByLabel('Message').fill('Typed into A\'s form.\nDoes it reach B?\n\nSpec: https://example.org/newsmesh');
    await pa.getByRole('button', { name: 'Post thread' }).click();
    await pa.waitForURL(/\/a\/%3C.+%3E$/);
    const rootUrl = pa.url();
    expect(await pa.locator('main h1').textContent()).toBe('Hello from A');
    expect(await pa.locator('.body a.ext').getAttribute('rel')).toBe('nofollow noopener');

    await reloadUntil(pb, `${b.webUrl}/g/demo.mesh`, 'a.subject:text-is("Hello from A")');
    await pb.locator('a.subject:text-is("Hello from A")').click();
    await pb.waitForURL(/\/a\//);
    // The whole-thread view opens the reply form on demand.
    await pb.locator('.reply-link').first().click();
    await pb.waitForURL(/reply=1/);
    const quoted = await pb.getByLabel('Message').inputValue();
    expect(quoted).toContain("Alice <alice@node-a> wrote:\n> Typed into A's form.");
    await pb.getByLabel('From').fill('Bob <bob@node-b>');
    await pb.getByLabel('Message').fill(`${quoted}It did. Greetings from B!`);
    await pb.getByRole('button', { name: 'Post reply' }).click();
    await pb.waitForURL((url) => url.href !== rootUrl && /\/a\//.test(url.href));
    expect(await pb.locator('.tree li.current .subject').textContent()).toBe('Re: Hello from A');
    expect(await pb.locator('.tree li').count()).toBe(2);

    await reloadUntil(pa, rootUrl, '.tree li.d1 .subject:text-is("Re: Hello from A")');
    expect(await pa.locator('.tree li.current .subject').textContent()).toBe('Hello from A');
    // The thread view shows both articles' bodies on the root's page.
    expect(await pa.locator('.body blockquote.quote').count()).toBe(1);
    expect(await pa.locator('.conv').textContent()).toContain('Greetings from B!');

    // The feed is well-formed Atom as far as the browser's XML parser is concerned.
    const feed = await pb.evaluate(async (url) => {
      const doc = new DOMParser().parseFromString(await (await fetch(url)).text(), 'application/xml');
      return { error: doc.getElementsByTagName('parsererror').length, ns: doc.documentElement.namespaceURI, entries: doc.getElementsByTagName('entry').length };
    }, `${b.webUrl}/g/demo.mesh/feed.atom`);
    expect(feed).toEqual({ error: 0, ns: 'http://www.w3.org/2005/Atom', entries: 2 });

    await ctxA.close();
    await ctxB.close();
    expect(cspViolations).toEqual([]);
  });

  it('saves screenshots of every main page at desktop and phone width', async () => {
    const root = await seed(a);
    const mirror = await b.components.service.mirrors?.start({ peer: a.peerUrl, group: 'comp.lang.typescript', follow: true });
    expect(mirror).toBeDefined();
    const pages: [string, string][] = [
      ['home', '/'],
      ['group', '/g/comp.lang.typescript'],
      ['article', `/a/${encodeURIComponent(root)}`],
      ['new-thread', '/g/comp.lang.typescript/new'],
      ['peers', '/peers'],
      ['status', '/status'],
    ];
    for (const viewport of ['desktop', 'phone'] as const) {
      const ctx = await context(viewport);
      const page = await ctx.newPage();
      for (const [name, path] of pages) {
        await page.goto(`${a.webUrl}${path}`);
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${viewport}.png`), fullPage: true });
        // No page scrolls sideways, at either width.
        expect([name, await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)]).toEqual([name, 0]);
      }
      await page.goto(`${b.webUrl}/mirrors`);
      await page.screenshot({ path: join(SCREENSHOTS, `mirrors-${viewport}.png`), fullPage: true });
      // A form sent with a mistake comes back with the reason and the text kept.
      await page.goto(`${a.webUrl}/g/comp.lang.typescript/new`);
      await page.getByLabel('From').fill('Carol');
      await page.getByLabel('Subject').fill('x'.repeat(10));
      await page.getByLabel('Message').fill('y'.repeat(70 * 1024));
      await page.getByRole('button', { name: 'Post thread' }).click();
      await page.waitForLoadState();
      expect(await page.locator('.alert').textContent()).toMatch(/more than the limit/);
      expect(await page.getByLabel('From').inputValue()).toBe('Carol');
      await page.screenshot({ path: join(SCREENSHOTS, `form-error-${viewport}.png`) });
      // Phone width never scrolls sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await ctx.close();
    }
    for (const scheme of ['dark'] as const) {
      const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, colorScheme: scheme });
      const page = await ctx.newPage();
      await page.goto(`${a.webUrl}/a/${encodeURIComponent(root)}`);
      await page.screenshot({ path: join(SCREENSHOTS, `article-desktop-${scheme}.png`), fullPage: true });
      await page.goto(`${a.webUrl}/g/comp.lang.typescript`);
      await page.screenshot({ path: join(SCREENSHOTS, `group-desktop-${scheme}.png`), fullPage: true });
      await ctx.close();
    }
    expect(cspViolations).toEqual([]);
  });

  it('updates a running mirror\'s progress live with the optional script', async () => {
    for (let i = 0; i < 150; i++) await a.components.service.post({ newsgroups: ['live.mirror'], from: 'm', subject: `m${i}`, body: `${i}` });
    // One id per request makes the job run long enough to watch it from the page.
    const m = await startTestNode({ name: 'node-m', tuning: { mirrorPageSize: 1, mirrorBatchIds: 1 } });
    try {
      const ctx = await context('desktop');
      const page = await ctx.newPage();
      await page.goto(`${m.webUrl}/mirrors`);
      await page.getByLabel('Peer', { exact: true }).fill(a.peerUrl);
      await page.getByLabel('Group', { exact: true }).fill('live.mirror');
      await page.getByRole('button', { name: 'Start mirror' }).click();
      await page.waitForURL(`${m.webUrl}/mirrors`);
      // At one id per request the job is still running when its page is drawn.
      expect(await page.locator('#jobs').getAttribute('data-live')).toBe('/mirrors.json');
      expect(await page.locator('.badge.running').count()).toBe(1);
      // No reload: the script turns the badge to "done" and fills the bar.
      await page.locator('.badge.done').waitFor({ timeout: 30000 });
      expect(await page.locator('progress').evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([150, 150]);
      expect(await page.locator('[data-field="counts"]').textContent()).toBe('150 of 150');
      await ctx.close();
    } finally {
      await m.destroy();
    }
    expect(cspViolations).toEqual([]);
  });
});

async function expectVisible(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().waitFor({ state: 'visible', timeout: 10000 });
}

/** Realistic content for the screenshots; returns the id of a thread with replies. */
async function seed(node: TestNode): Promise<string> {
  const { service } = node.components;
  const post = (group: string, from: string, subject: string, body: string, references?: string[]) =>
    service.post({ newsgroups: [group], from, subject, body, ...(references ? { references } : {}) }).then((r) => r.id);
  for (const [g, n] of [['comp.lang.c', 3], ['rec.bicycles.tech', 2], ['misc.test', 1]] as const) {
    for (let i = 0; i < n; i++) await post(g, 'Sam <sam@example>', `Question ${i + 1} about ${g.split('.').pop()}`, 'Any ideas?');
  }
  const g = 'comp.lang.typescript';
  for (let i = 0; i < 8; i++) await post(g, ['Dana <dana@example>', 'Eli', 'Fay <fay@example>'][i % 3], ['Strict null checks in older code', 'zod vs io-ts in 2026', 'Why is my enum not tree-shaken?', 'Project references and jest', 'Template literal types for routes', 'satisfies operator use cases', 'Node 20 and ESM-only packages', 'Typing LevelDB sublevels'][i], 'See the thread.');
  const root = await post(
    g,
    'Grace Hopper <grace@example>',
    'Flood fill vs. pull: which gossip for a news network?',
    'I am building a small Usenet-like network. Each node offers new Message-IDs to its neighbours (IHAVE) and they ask for the ones they lack.\n\nIs that enough, or do I need periodic pulls as well? Background: https://www.rfc-editor.org/rfc/rfc3977\n\nThanks!',
  );
  const r1 = await post(g, 'Linus <linus@example>', 'Re: Flood fill vs. pull: which gossip for a news network?', 'Grace Hopper <grace@example> wrote:\n> Is that enough, or do I need periodic pulls as well?\n\nFlood fill is enough as long as a node that was down gets its backlog when it comes back. Keep the queue on disk.', [root]);
  await post(g, 'Grace Hopper <grace@example>', 'Re: Flood fill vs. pull: which gossip for a news network?', 'Linus <linus@example> wrote:\n> Keep the queue on disk.\n\nDone, and a hello from the peer ends the back-off. Thanks.', [root, r1]);
  await post(
    g,
    'Ada <ada@example>',
    'Re: Flood fill vs. pull: which gossip for a news network?',
    'Grace Hopper <grace@example> wrote:\n> I am building a small Usenet-like network.\n> Each node offers new Message-IDs to its neighbours (IHAVE)\n> and they ask for the ones they lack.\n>\n> Is that enough, or do I need periodic pulls as well?\n> Background: https://www.rfc-editor.org/rfc/rfc3977\n> Thanks!\n\nMirroring covers the rest: a new node copies the archive once, then follows by gossip.',
    [root],
  );
  return root;
}
