/**
 * The reading features in a real headless Chromium: every page at 375 px and 1280 px, light
 * and dark, checked with axe-core (no serious or critical finding), with no console error
 * and no sideways scrolling, and saved as screenshots under test-output/screenshots. Then the
 * whole-thread view (nesting, current article, folding, reply on demand, collapsing), the
 * keyboard shortcuts, search with JavaScript off, and what is new.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestNode, type TestNode } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { Store } from '../../node/store/store';
import type { Sample } from '../../node/reading/series';
import { browserAvailable, launchChromium, SCREENSHOTS } from './chromium';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const run = browserAvailable('reading browser suite');
const maybe = run ? describe : describe.skip;

const WIDTHS = { phone: { width: 375, height: 812 }, desktop: { width: 1280, height: 900 } } as const;
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** A thread with nesting, quotes, code and a link; more groups; returns ids. */
async function seed(node: TestNode) {
  const { service } = node.components;
  const post = (group: string, subject: string, body: string, from: string, references: string[] = []) =>
    service.post({ newsgroups: [group], from, subject, body, references }).then((r) => r.id);
  const g = 'comp.lang.typescript';
  const root = await post(g, 'Strict null checks: worth turning on in an old codebase?', 'We have 200k lines of TypeScript written before strictNullChecks.\nIs it worth the churn? See https://www.typescriptlang.org/tsconfig#strictNullChecks for what it does.\n\nWe compile with:\n\n    tsc --noEmit -p .\n    npm test', 'Ada Lovelace <ada@example.org>');
  const r1 = await post(g, 'Re: Strict null checks: worth turning on in an old codebase?', 'Ada Lovelace wrote:\n> We have 200k lines of TypeScript written before strictNullChecks.\n> Is it worth the churn?\n\nYes. Do it one folder at a time:\n\n```\n// tsconfig.strict.json\n{ "extends": "./tsconfig.json",\n  "compilerOptions": { "strictNullChecks": true } }\n```\nThen widen the include list week by week.', 'Grace Hopper <grace@example.net>', [root]);
  const quote = Array.from({ length: 12 }, (_, i) => `> line ${i + 1} of a long quote that goes on`).join('\n');
  const r2 = await post(g, 'Re: Strict null checks: worth turning on in an old codebase?', `${quote}\n\nAgreed, and the folder trick works well with project references.`, 'Linus <linus@example.com>', [root, r1]);
  const r3 = await post(g, 'Re: Strict null checks: worth turning on in an old codebase?', 'How long did the whole migration take you?', 'Margaret <margaret@example.org>', [root, r1, r2]);
  await post(g, 'Re: Strict null checks: worth turning on in an old codebase?', 'About three months for 200k lines, two people part time.', 'Grace Hopper <grace@example.net>', [root, r1, r2, r3]);
  await post(g, 'Re: Strict null checks: worth turning on in an old codebase?', 'Another angle: turn it on for new files only with a lint rule.', 'Barbara <barbara@example.org>', [root]);
  const other = await post(g, 'Decorators in 5.0', 'The new decorators are standard ECMAScript ones; the old experimentalDecorators still work.', 'Anders <anders@example.com>');
  await post('rec.gardening', 'Tomatoes in a cold spring', 'Mine are still tiny. Anyone tried fleece covers?', 'Monty <monty@example.org>');
  await post('misc.test', 'Hello mesh', 'Just testing search: zebra.', 'Tester <t@example>');
  return { root, r1, r2, r3, other };
}

/**
 * An hour of traffic as a previous run of the node would have saved it (with a five-minute
 * outage), so the status page's charts have something to draw: loading it is the "keeps
 * the last hour across a restart" path.
 */
async function savedHour(dir: string): Promise<void> {
  const store = await Store.open(dir);
  const now = Date.now();
  const samples: Sample[] = [];
  for (let t = now - 3590_000; t < now - 20_000; t += 10_000) {
    const m = (t - now) / 60_000;
    if (m > -25 && m < -20) continue;
    const wave = (k: number) => Math.max(0, Math.round((k * (1 + Math.sin(m / 6)) + (m > -12 && m < -8 ? 40 : 0)) * 10) / 10);
    samples.push({
      t,
      inPerS: wave(12),
      outPerS: wave(20),
      peers: {
        'reader-b': { inPerS: wave(6), outPerS: wave(10), lagMs: m > -12 && m < -8 ? 4200 : 150, backlog: m > -12 && m < -8 ? 380 : 3 },
        'reader-c': { inPerS: wave(4), outPerS: wave(8), lagMs: m > -3 ? 95_000 : 200, backlog: m > -3 ? 1200 : 0 },
      },
    });
  }
  await store.subs.meta.put('series', samples);
  await store.close();
}

maybe('reading in a real browser', () => {
  let a: TestNode;
  let b: TestNode;
  const aDir = tempDir();
  let browser: Browser;
  let ids: Awaited<ReturnType<typeof seed>>;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await savedHour(aDir.dir);
    [a, b, browser] = await Promise.all([startTestNode({ name: 'reader-a', data: aDir.dir }), startTestNode({ name: 'reader-b' }), launchChromium()]);
    await a.components.service.peers!.add({ url: b.peerUrl });
    // A third peer that goes away: the graph shows its link down.
    const c = await startTestNode({ name: 'reader-c' });
    await a.components.service.peers!.add({ url: c.peerUrl });
    await c.destroy();
    ids = await seed(a);
    await waitFor('the search index', async () => {
      const s = await a.components.service.reading!.searchStatus();
      return s.ready && s.pending === 0 ? true : undefined;
    }, 20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.destroy(), b?.destroy()]);
    aDir.cleanup();
  });

  async function context(width: keyof typeof WIDTHS, colorScheme: 'light' | 'dark', javaScriptEnabled = true): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: WIDTHS[width], colorScheme, javaScriptEnabled, isMobile: width === 'phone', hasTouch: width === 'phone' });
    ctx.on('console', (m) => {
      // Chrome logs the 404 of a page visited on purpose (the not-found page) as an error.
      if (m.type() === 'error' && !m.location().url.endsWith('/no/such/page')) consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    ctx.on('weberror', (e) => consoleErrors.push(e.error().message));
    return ctx;
  }

  async function axe(page: Page): Promise<AxeViolation[]> {
    // Injected through the DevTools protocol, not a <script>: the page's CSP stays as it is.
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const w = window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } };
      return (await w.axe.run(document, { resultTypes: ['violations'] })).violations;
    });
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  it('every page passes axe-core at both widths in both schemes, without console errors or sideways scrolling', async () => {
    const pages: [string, string][] = [
      ['home', '/'],
      ['group', '/g/comp.lang.typescript'],
      ['thread', `/a/${encodeURIComponent(ids.r2)}`],
      ['thread-reply', `/a/${encodeURIComponent(ids.r1)}?reply=1#reply`],
      ['article', `/a/${encodeURIComponent(ids.root)}?view=article`],
      ['new-thread', '/g/comp.lang.typescript/new'],
      ['search', '/search?q=strict+folder'],
      ['search-empty', '/search?q=nothingmatchesthis'],
      ['peers', '/peers'],
      ['status', '/status'],
      ['mirrors', '/mirrors'],
      ['not-found', '/no/such/page'],
    ];
    const found: string[] = [];
    for (const width of ['phone', 'desktop'] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const ctx = await context(width, scheme);
        const page = await ctx.newPage();
        for (const [name, path] of pages) {
          const res = await page.goto(`${a.webUrl}${path}`);
          expect([name, res?.status()]).toEqual([name, name === 'not-found' ? 404 : 200]);
          await page.screenshot({ path: join(SCREENSHOTS, `reading-${name}-${width}-${scheme}.png`), fullPage: true });
          for (const v of await axe(page)) found.push(`${name} ${width} ${scheme}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect([name, width, overflow]).toEqual([name, width, 0]);
        }
        await ctx.close();
      }
    }
    expect(found).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('shows the whole thread nested, the current article highlighted and in view, quotes folded, code monospace', async () => {
    const ctx = await context('desktop', 'light');
    const page = await ctx.newPage();
    await page.goto(`${a.webUrl}/a/${encodeURIComponent(ids.r3)}#current`);
    expect(await page.locator('.conv .msg').count()).toBe(6);
    expect(await page.locator('.conv > .msg').count()).toBe(1);
    // r3 answers r2 which answers r1 which answers the root: four levels of nested lists.
    expect(await page.locator('.msg.current').getAttribute('data-id')).toBe(ids.r3);
    expect(await page.locator('.conv .replies .replies .replies > .msg.current').count()).toBe(1);
    expect(await page.locator('.msg.current').evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight;
    })).toBe(true);
    expect(await page.locator('details.quote-fold').count()).toBe(1);
    expect(await page.locator('details.quote-fold').getAttribute('open')).toBeNull();
    const font = await page.locator('pre.code').first().evaluate((el) => getComputedStyle(el).fontFamily);
    expect(font).toMatch(/mono|Menlo|Consolas/i);
    // No reply form until asked for.
    expect(await page.locator('form.post-form').count()).toBe(0);
    // Collapsing the root's sub-thread hides every reply, without script.
    await page.locator('.conv > .msg > details > summary').click();
    expect(await page.locator('.msg.current').isVisible()).toBe(false);
    await ctx.close();
  });

  it('keyboard: j/k move between articles, r opens the reply form, / focuses search, n goes to the next new article', async () => {
    const ctx = await context('desktop', 'light');
    const page = await ctx.newPage();
    await page.goto(`${a.webUrl}/a/${encodeURIComponent(ids.root)}`);
    await page.keyboard.press('j');
    expect(await page.locator('.msg.focused').getAttribute('data-id')).toBe(ids.r1);
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.locator('.msg.focused').getAttribute('data-id')).toBe(ids.r1);
    await page.keyboard.press('r');
    await page.waitForURL(/reply=1/);
    expect(await page.locator('#reply form.post-form').count()).toBe(1);
    expect(await page.locator('#reply input[name="references"]').inputValue()).toBe(`${ids.root} ${ids.r1}`);
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('site-search');
    await page.keyboard.type('zebra');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=zebra/);
    expect(await page.locator('.hit mark').first().textContent()).toBe('zebra');
    // Everything in rec.gardening is still unread: n from its group page opens it.
    await page.goto(`${a.webUrl}/g/rec.gardening`);
    expect(await page.locator('.thread.unread').count()).toBe(1);
    await page.keyboard.press('n');
    await page.waitForURL(/\/a\//);
    expect(await page.locator('.msg.current summary .who').textContent()).toBe('Monty <monty@example.org>');
    await page.goto(`${a.webUrl}/g/rec.gardening`);
    expect(await page.locator('.thread.unread').count()).toBe(0);
    await ctx.close();
    expect(consoleErrors).toEqual([]);
  });

  it('works without JavaScript: reply on demand, search with paging controls, mark a group read', async () => {
    const ctx = await context('phone', 'light', false);
    const page = await ctx.newPage();
    await page.goto(`${a.webUrl}/a/${encodeURIComponent(ids.root)}`);
    await page.locator(`.msg[data-id="${ids.r1}"] .reply-link`).first().click();
    await page.waitForURL(/reply=1/);
    await page.getByLabel('From').fill('Phone reader');
    await page.getByLabel('Message').fill('Replying from a phone without script.');
    await page.getByRole('button', { name: 'Post reply' }).click();
    await page.waitForURL(/#current$/);
    expect(await page.locator('.msg.current .body').textContent()).toContain('Replying from a phone without script.');
    await page.goto(`${a.webUrl}/`);
    await page.locator('#site-search').fill('tomatoes');
    await page.getByRole('button', { name: 'Search', exact: true }).first().click();
    await page.waitForURL(/\/search/);
    expect(await page.locator('.hit .subject').textContent()).toBe('Tomatoes in a cold spring');
    await page.goto(`${a.webUrl}/g/misc.test`);
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.waitForURL(`${a.webUrl}/g/misc.test`);
    expect(await page.locator('.badge.new').count()).toBe(0);
    await ctx.close();
  });
});
