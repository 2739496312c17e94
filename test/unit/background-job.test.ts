/**
 * The loop that history expiry and retention share (node/background-job.ts): a pass at start,
 * then one per period on the Clock; a failing pass is logged and the next one still runs; stop()
 * ends a pause between slices at once and waits for the pass under way.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { BackgroundJob } from '../../node/background-job';
import { ManualClock } from '../helpers/manual-clock';
import { waitFor } from '../helpers/wait';

const capture = () => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  return { lines, logger };
};

it('runs a pass at start and one per period; a failed pass is logged and the loop goes on', async () => {
  const clock = new ManualClock(0);
  const { lines, logger } = capture();
  let passes = 0;
  const job = new BackgroundJob({ clock, logger }, { everyMs: 1000, failed: 'sweep failed' }, async () => {
    passes++;
    if (passes === 2) throw new Error('disk trouble');
  });
  job.start();
  job.start();
  await waitFor('the first pass, then its pause', () => passes === 1 && clock.waiting === 1);
  await clock.run(999);
  expect(passes).toBe(1);
  await clock.run(1);
  await waitFor('the failed pass, then its pause', () => passes === 2 && clock.waiting === 1);
  await waitFor('the failure logged', () => lines.some((l) => /"msg":"sweep failed"/.test(l) && /disk trouble/.test(l)));
  await clock.run(1000);
  await waitFor('the pass after the failure', () => passes === 3);
  await job.stop();
  expect(job.stopped).toBe(true);
  expect(clock.waiting).toBe(0);
});

it('stop() cuts a pause between slices short and waits for the pass to end', async () => {
  const clock = new ManualClock(0);
  let slices = 0;
  let ended = false;
  const job: BackgroundJob = new BackgroundJob({ clock, logger: capture().logger }, { everyMs: 1000, failed: 'sweep failed' }, async () => {
    while (!job.stopped) {
      slices++;
      await job.pause(60_000);
    }
    ended = true;
  });
  job.start();
  await waitFor('the first slice, then its pause', () => slices === 1 && clock.waiting === 1);
  await job.stop();
  expect(ended).toBe(true);
  expect(slices).toBe(1);
  expect(clock.waiting).toBe(0);
});
