/**
 * `newsmesh check [--data DIR]`: offline consistency check of a stopped node's data dir.
 * Prints each problem found (the first 50) and one summary line; exits 0 when the store is
 * consistent, 1 when it is not. A running node holds the lock, so that case says "data dir in use".
 * `newsmesh start --check` runs the same check (checkDataDir) before it serves.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { checkStore, type CheckReport } from '../store/check';
import { rebuildSearchIndex } from '../reading/reindex';
import { silentLogger } from '../logger';
import { Store } from '../store/store';
import { CliError, fail } from './errors';

/** What `check` found in a data dir: the report and its one-line summary. */
export interface DataDirCheck {
  report: CheckReport;
  /** `N articles, N groups, ...`: what was checked. */
  what: string;
}

/** Opens a stopped node's data dir, checks it and closes it again (optionally rebuilding the search index). */
export async function checkDataDir(dir: string, opts: { reindex?: (line: string) => void } = {}): Promise<DataDirCheck> {
  // Opening would create an empty store; checking a typo'd path must not do that.
  if (!existsSync(join(dir, 'CURRENT'))) throw new CliError(`no newsmesh data dir at ${dir}`);
  const store = await Store.open(dir);
  let report: CheckReport;
  try {
    report = await checkStore(store);
    if (opts.reindex) opts.reindex(`newsmesh check: search index rebuilt: ${(await rebuildSearchIndex(store, silentLogger())).docs} articles`);
  } finally {
    await store.close();
  }
  const what = `${report.articles} articles, ${report.groups} groups, ${report.indexEntries} index entries, ${report.history.accepted} accepted and ${report.history.rejected - report.history.removed} rejected in history${report.history.removed > 0 ? `, ${report.history.removed} tombstones` : ''}`;
  return { report, what };
}

export function checkCommand(): Command {
  return new Command('check')
    .description("offline consistency check of a stopped node's data dir")
    .addOption(new Option('--data <dir>', 'data directory').env('NEWSMESH_DATA').default('./data'))
    .option('--reindex', 'also rebuild the search index from the articles')
    .action(async (opts: { data: string; reindex?: boolean }) => {
      try {
        const { report, what } = await checkDataDir(opts.data, opts.reindex ? { reindex: (line) => process.stdout.write(`${line}\n`) } : {});
        for (const p of report.problems) process.stdout.write(`problem: ${p}\n`);
        const more = report.problemCount - report.problems.length;
        if (more > 0) process.stdout.write(`... and ${more} more problems\n`);
        if (report.problemCount === 0) {
          process.stdout.write(`newsmesh check: ok: ${what}\n`);
          return;
        }
        process.stdout.write(`newsmesh check: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'}: ${what}\n`);
        process.exitCode = 1;
      } catch (err) {
        fail(err);
      }
    });
}
