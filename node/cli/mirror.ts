/**
 * `newsmesh mirror PEER_URL [PEER_URL...] GROUP [--follow] [--timeout S]` (several sources make
 * a swarm mirror, with per-source progress): starts a mirror job through the
 * local API (the node checks the peer first), polls it and draws its progress on stderr
 * (progress.ts), then prints one summary line with the count. Exits non-zero when the job
 * fails or is cancelled, and when it ends holding fewer articles than the peer lists (with the
 * reasons). `--timeout` cancels the job if this command started it.
 */
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import type { MirrorJobView } from '../../protocol/archive-messages';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { CliError, fail } from './errors';
import { progressLine } from './progress';

const POLL_MS = 250;
/** Refusal reasons printed when a mirror ends short. */
const SHOW_REJECTIONS = 10;

// A ref'd timer on purpose: the node's Clock unrefs its timers, which would let this waiting
// client process exit before the job ends.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `3 of 40 articles`, or `0 articles` while the peer's count is not known yet. */
const held = (j: MirrorJobView) => (j.total > 0 ? `${j.done} of ${j.total} articles` : `${j.done} articles`);

export function mirrorCommand(): Command {
  return new Command('mirror')
    .description("copy a group's whole archive from another node, and keep it resumable")
    .argument('<peer>', "the other node's peer URL (or the name of a known peer)")
    .argument('<group...>', 'the group to mirror; more peers before it mirror from all of them at once')
    .option('--follow', 'also keep the peer as a neighbour for the group, so new posts arrive by gossip')
    .addOption(
      new Option('--timeout <seconds>', 'give up waiting after this long, cancelling the job if this command started it').env('NEWSMESH_MIRROR_TIMEOUT').default('86400'),
    )
    .addOption(apiOption())
    .addHelpText(
      'after',
      '\nExamples:\n  newsmesh mirror http://news.example.org:9119 comp.lang.c\n  newsmesh mirror http://10.0.0.5:9119 test.chat --follow\n  newsmesh mirror http://a.example:9119 http://b.example:9119 http://c.example:9119 comp.lang.c\n',
    )
    .action(async (first: string, rest: string[], opts: { follow?: boolean; timeout: string; api: string }) => {
      try {
        const group = rest[rest.length - 1];
        const peers = [first, ...rest.slice(0, -1)];
        const peer = peers.join(' ');
        const timeoutS = Number(opts.timeout);
        if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new CliError(`--timeout must be a number of seconds above 0, got "${opts.timeout}"`, 2);
        const api = new ApiClient(opts.api);
        const from = peers.length > 1 ? { peers } : { peer: first };
        const { id, started } = await api.request<{ id: string; started?: boolean }>('POST', '/api/mirrors', { ...from, group, ...(opts.follow ? { follow: true } : {}) });
        const job = await watch(api, id, timeoutS * 1000, started !== false);
        const what = `${job.group} from ${peer}`;
        if (job.state === 'failed') throw new CliError(`mirror of ${what} failed after ${held(job)}: ${job.error ?? 'unknown error'}`);
        if (job.state === 'cancelled') throw new CliError(`mirror of ${what} was cancelled after ${held(job)}`);
        const rejected = job.rejected ? `, ${job.rejected} refused` : '';
        process.stdout.write(`mirrored ${what}: ${job.done} of ${job.total} articles held${rejected}\n`);
        if (job.done < job.total) {
          for (const r of (job.rejections ?? []).slice(-SHOW_REJECTIONS)) process.stderr.write(`refused ${r.id}: ${r.reason}\n`);
          throw new CliError(`only ${job.done} of the ${job.total} articles ${peer} lists for ${job.group} are held here${job.rejections?.length ? ' (reasons above)' : ''}`);
        }
      } catch (err) {
        fail(err);
      }
    });
}

async function watch(api: ApiClient, id: string, timeoutMs: number, started: boolean): Promise<MirrorJobView> {
  const path = `/api/mirrors/${encodeURIComponent(id)}`;
  let job = await api.request<MirrorJobView>('GET', path);
  const bar = new SingleBar({
    stream: process.stderr,
    format: (_options, _params, payload: { job: MirrorJobView }) => progressLine(payload.job),
    noTTYOutput: true,
    notTTYSchedule: 1000,
    hideCursor: process.stderr.isTTY === true,
  });
  const deadline = Date.now() + timeoutMs;
  bar.start(1, 0, { job });
  try {
    while (job.state === 'running') {
      if (Date.now() > deadline) {
        const secs = Math.round(timeoutMs / 1000);
        if (!started) throw new CliError(`still running after ${secs} s; the job was already running before this command and goes on (newsmesh mirrors)`);
        await api.request('DELETE', path);
        throw new CliError(`gave up after ${secs} s (--timeout) with ${held(job)} held; the job this command started is cancelled`);
      }
      await sleep(POLL_MS);
      job = await api.request<MirrorJobView>('GET', path);
      bar.update(0, { job });
    }
  } finally {
    bar.update(0, { job });
    bar.stop();
  }
  return job;
}
