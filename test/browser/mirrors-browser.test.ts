/**
 * The mirrors page in a real headless Chromium at phone width: a job started after the page
 * loaded (as `newsmesh mirror` would) appears without a reload, with its retry reason; nothing
 * widens the page past 375 px (long peer URLs and errors wrap); the Cancel button removes the
 * job. Saves a screenshot under test-output/screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestNode, type TestNode } from '../helpers/node';
import { fillGroup, postJson } from '../helpers/mirror';
import { frontDoor, type FrontDoor } from '../helpers/front-door';
import { browserAvailable, launchChromium, SCREENSHOTS } from './chromium';

jest.setTimeout(90_000);

const maybe = browserAvailable('mirrors browser suite') ? describe : describe.skip;

maybe('mirrors page in a real browser', () => {
  let source: TestNode;
  let sink: TestNode;
  let door: FrontDoor;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [source, sink, browser] = await Promise.all([startTestNode({ name: 'live-src' }), startTestNode({ name: 'live-sink' }), launchChromium()]);
    await fillGroup(source.webUrl, 'comp.lang.typescript.a.rather.long.group.name', 30);
    door = await frontDoor(source.peerUrl, 'groups-only');
  });
  afterAll(async () => {
    await browser?.close();
    await door?.close();
    await Promise.all([source?.destroy(), sink?.destroy()]);
  });

  it('shows a job started after the page loaded, fits 375 px, and cancels it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await page.goto(`${sink.webUrl}/mirrors`);
    expect(await page.locator('[data-job]').count()).toBe(0);

    // Through the API, as the CLI does: the page learns of it by itself.
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: `${door.url}/`, group: 'comp.lang.typescript.a.rather.long.group.name' }, 202);
    const job = page.locator(`[data-job="${body.id}"]`);
    await job.waitFor({ timeout: 15_000 });
    await job.locator('[data-field="error"]:not([hidden])').waitFor({ timeout: 15_000 });
    expect(await job.locator('[data-field="error"]').textContent()).toMatch(/unreachable/);
    expect(await job.locator('[data-field="counts"]').textContent()).toBe('0 of 30');

    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(widths[0]).toBeLessThanOrEqual(widths[1]);
    await page.screenshot({ path: join(SCREENSHOTS, 'mirrors-live-phone.png'), fullPage: true });

    await job.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${sink.webUrl}/mirrors`);
    expect(await page.locator('[data-job]').count()).toBe(0);
    await ctx.close();
  });
});
