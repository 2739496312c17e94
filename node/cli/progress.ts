/**
 * The mirror's progress line, one pure function of the job so every state reads right: no
 * percentage or ETA before the peer's count is known or once the job has ended, no "100%" for
 * an empty or failed job, and the reason when it retries or fails. `newsmesh mirror` draws it
 * with cli-progress (redraw on a terminal, a line a second otherwise).
 */
import type { MirrorJobView } from '../../protocol/archive-messages';

const BAR = 20;
const num = (n: number) => Math.round(n).toLocaleString('en-US');

/** `1h02m`, `3m05s`, `12s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR, Math.floor((done / total) * BAR)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}]`;
}

/** A swarm job's sources: `host:port 12,000 4,980/s` each, and the state when not active. */
export function sourcesPart(job: Pick<MirrorJobView, 'sources'>): string {
  if (!job.sources || job.sources.length < 2) return '';
  const one = (s: NonNullable<MirrorJobView['sources']>[number]) => {
    const where = s.url.replace(/^https?:\/\//, '');
    return `${where} ${num(s.done)}${s.state === 'active' ? ` ${num(s.rate)}/s` : ` ${s.state}`}`;
  };
  return ` | ${job.sources.map(one).join(', ')}`;
}

export function progressLine(job: Pick<MirrorJobView, 'group' | 'state' | 'done' | 'total' | 'rate' | 'error' | 'rejected' | 'sources'>): string {
  return progressHead(job) + sourcesPart(job);
}

function progressHead(job: Pick<MirrorJobView, 'group' | 'state' | 'done' | 'total' | 'rate' | 'error' | 'rejected'>): string {
  const head = `mirror ${job.group}`;
  const counts = `${num(job.done)}/${num(job.total)}`;
  // Done can pass total when the peer's group grew or shrank meanwhile.
  const pct = job.total > 0 ? `${Math.min(100, Math.floor((job.done / job.total) * 100))}%` : '';
  const refused = job.rejected ? `, ${num(job.rejected)} refused` : '';
  switch (job.state) {
    case 'running': {
      if (job.total === 0 && job.done === 0) return `${head} ${bar(0, 0)} waiting for the peer's index${job.error ? ` | retrying: ${job.error}` : ''}`;
      const rate = job.rate ?? 0;
      const left = Math.max(0, job.total - job.done);
      const eta = rate > 0 ? duration(left / rate) : '--';
      return `${head} ${bar(job.done, job.total)} ${pct} ${counts} | ${num(rate)}/s | ETA ${eta}${refused}${job.error ? ` | retrying: ${job.error}` : ''}`;
    }
    case 'done':
      return `${head} ${bar(job.done, job.total)} ${pct ? `${pct} ` : ''}${counts} | done${refused}`;
    case 'failed':
      return `${head} ${bar(job.done, job.total)} ${counts} | failed: ${job.error ?? 'unknown error'}`;
    case 'cancelled':
      return `${head} ${bar(job.done, job.total)} ${counts} | cancelled`;
  }
}
