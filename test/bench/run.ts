/**
 * `npm run bench`: runs every benchmark section in turn and prints ONE JSON object of figures
 * (also written to bench-results/latest.json). `npm run bench -- ingest api` runs only those
 * sections. Each section measures its own yardstick in the same run where it has one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { sections } from './sections';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const out: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    startedAt: new Date().toISOString(),
  };
  for (const [name, run] of Object.entries(sections)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    process.stderr.write(`bench: ${name}...\n`);
    const t0 = Date.now();
    try {
      out[name] = await run();
    } catch (err) {
      out[name] = { error: (err as Error).stack ?? String(err) };
    }
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  out.finishedAt = new Date().toISOString();
  const json = JSON.stringify(out, null, 2);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(join('bench-results', 'latest.json'), json);
  process.stdout.write(`${json}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
