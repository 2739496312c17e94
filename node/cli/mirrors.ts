/**
 * `newsmesh mirrors [list] [--json]` lists the running node's mirror jobs with their progress;
 * `newsmesh mirrors cancel ID` stops a job and removes it (DELETE /api/mirrors/ID).
 */
import { Command } from 'commander';
import type { MirrorJobView } from '../../protocol/archive-messages';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { fail } from './errors';

export function formatJob(j: MirrorJobView): string {
  const parts = [j.id, j.state, j.group, `from ${j.peer}`, `${j.done}/${j.total}`];
  if (j.state === 'running' && j.rate) parts.push(`${j.rate}/s`);
  if (j.rejected) parts.push(`refused=${j.rejected}`);
  if (j.follow) parts.push('follow');
  if (j.error) parts.push(`error="${j.error}"`);
  return parts.join('  ');
}

async function list(opts: { json?: boolean; api: string }): Promise<void> {
  try {
    const jobs = await new ApiClient(opts.api).request<MirrorJobView[]>('GET', '/api/mirrors');
    if (opts.json) process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
    else if (jobs.length === 0) process.stdout.write('no mirror jobs\n');
    else for (const j of jobs) process.stdout.write(`${formatJob(j)}\n`);
  } catch (err) {
    fail(err);
  }
}

export function mirrorsCommand(): Command {
  const cmd = new Command('mirrors').description('list mirror jobs (the default), or cancel one').addHelpText('after', '\nExamples:\n  newsmesh mirrors\n  newsmesh mirrors cancel m-1a2b3c4d5e6f7a8b\n');
  cmd
    .command('list', { isDefault: true })
    .description('list mirror jobs with their progress')
    .option('--json', 'print the JSON of GET /api/mirrors')
    .addOption(apiOption())
    .action(list);
  cmd
    .command('cancel')
    .description('stop a mirror job and remove it (what it copied stays)')
    .argument('<id>', 'the job id (see newsmesh mirrors)')
    .addOption(apiOption())
    .addHelpText('after', '\nExample:\n  newsmesh mirrors cancel m-1a2b3c4d5e6f7a8b\n')
    .action(async (id: string, opts: { api: string }) => {
      try {
        const job = await new ApiClient(opts.api).request<MirrorJobView>('DELETE', `/api/mirrors/${encodeURIComponent(id)}`);
        const how = job.state === 'cancelled' ? 'cancelled and removed' : `removed (it had ${job.state === 'done' ? 'finished' : job.state})`;
        process.stdout.write(`mirror job ${job.id} (${job.group} from ${job.peer}) ${how} at ${job.done} of ${job.total} articles\n`);
      } catch (err) {
        fail(err);
      }
    });
  return cmd;
}
