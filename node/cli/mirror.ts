/**
 * `newsmesh mirror PEER_URL GROUP [--follow]`: starts a mirror job through the local API,
 * polls it and draws a progress bar on stderr (done/total, rate, ETA; plain lines when stderr
 * is not a terminal), then prints one summary line with the count. Exits non-zero when the
 * job fails.
 */
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import type { MirrorJobView } from '../../protocol/archive-messages';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { CliError, fail } from './errors';

const POLL_MS = 250;

// A ref'd timer on purpose: the node's Clock unrefs its timers, which would let this waiting
// client process exit before the job ends.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function mirrorCommand(): Command {
  return new Command('mirror')
    .description("copy a group's whole archive from another node, and keep it resumable")
    .argument('<peer>', "the other node's peer URL (or the name of a known peer)")
    .argument('<group>', 'the group to mirror')
    .option('--follow', 'also keep the peer as a neighbour for the group, so new posts arrive by gossip')
    .addOption(new Option('--timeout <seconds>', 'give up waiting after this long (the job keeps running in the node)').env('NEWSMESH_MIRROR_TIMEOUT').default('86400'))
    .addOption(apiOption())
    .action(async (peer: string, group: string, opts: { follow?: boolean; timeout: string; api: string }) => {
      try {
        const api = new ApiClient(opts.api);
        const { id } = await api.request<{ id: string }>('POST', '/api/mirrors', { peer, group, ...(opts.follow ? { follow: true } : {}) });
        const job = await watch(api, id, Number(opts.timeout) * 1000);
        const rejected = job.rejected ? `, ${job.rejected} invalid skipped` : '';
        if (job.state === 'failed') throw new CliError(`mirror of ${group} from ${peer} failed after ${job.done} of ${job.total} articles: ${job.error ?? 'unknown error'}`);
        process.stdout.write(`mirrored ${group} from ${peer}: ${job.done} of ${job.total} articles held${rejected}\n`);
      } catch (err) {
        fail(err);
      }
    });
}

async function watch(api: ApiClient, id: string, timeoutMs: number): Promise<MirrorJobView> {
  const tty = process.stderr.isTTY === true;
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'mirror [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}{note}',
    noTTYOutput: true,
    notTTYSchedule: 1000,
    hideCursor: tty,
    etaBuffer: 40,
  });
  const deadline = Date.now() + timeoutMs;
  let job = await api.request<MirrorJobView>('GET', `/api/mirrors/${encodeURIComponent(id)}`);
  bar.start(Math.max(job.total, job.done), job.done, { rate: 0, note: '' });
  try {
    for (let polls = 0; job.state === 'running'; polls++) {
      if (Date.now() > deadline) throw new CliError(`still running after ${Math.round(timeoutMs / 1000)} s; the job goes on in the node (GET /api/mirrors)`);
      await sleep(POLL_MS);
      job = await api.request<MirrorJobView>('GET', `/api/mirrors/${encodeURIComponent(id)}`);
      bar.setTotal(Math.max(job.total, job.done));
      bar.update(job.done, { rate: job.rate ?? 0, note: job.error ? ` | retrying: ${job.error}` : '' });
    }
    bar.update(job.done, { rate: job.rate ?? 0, note: '' });
  } finally {
    bar.stop();
  }
  return job;
}
