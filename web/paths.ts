/**
 * Where the web assets live on disk. The same code runs from source (jest, ts) and from
 * dist/ (npm start), so the package root is found by walking up to package.json rather than
 * by a fixed number of `..`; templates and CSS are always read from the source tree.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding package.json, searched upward from `start` (at most 10 levels). */
export function packageRoot(start: string = __dirname): string {
  let dir = start;
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`newsmesh: no package.json above ${start}; cannot find web/templates`);
}

export function webDirs(root: string = packageRoot()): { templates: string; static: string } {
  return { templates: join(root, 'web', 'templates'), static: join(root, 'web', 'static') };
}
