/**
 * Finding and launching Debian's chromium for the browser suite. Outside CI a missing
 * chromium is reported loudly and the suite skips; with CI=true it is a failure (.ci/run
 * installs the package first).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { packageRoot } from '../../web/paths';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOTS = join(packageRoot(), 'test-output', 'screenshots');

/** CHROMIUM_PATH, when set, is the only place looked at (so a missing browser can be simulated). */
const candidates = () => (process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']);

export function chromiumPath(): string | null {
  return candidates().find((p) => existsSync(p)) ?? null;
}

/** True when the suite should run; logs why not otherwise. Throws in CI when chromium is missing. */
export function browserAvailable(suite: string): boolean {
  if (chromiumPath()) return true;
  const msg = `${suite}: chromium not found (looked at ${candidates().join(', ')}): install Debian's "chromium" package to run the browser tests`;
  if (process.env.CI === 'true') throw new Error(`${msg} (CI=true, so this is a failure)`);
  process.stderr.write(`\n\n!!!!!!!!!! SKIPPING BROWSER SUITE !!!!!!!!!!\n${msg}\n\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS, timeout: 30000 });
}
