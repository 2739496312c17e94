/**
 * Bench section `archive`: MIME-correct mbox files both ways with 100,000 articles of about
 * 1 KiB of wrapped text (a third with non-ASCII names, subjects and bodies; half the bodies
 * without a final newline, so quoted-printable; the others as they are, 7bit or 8bit).
 * Export: the node's export route streaming the group over HTTP (articles/s), alternating with
 * the JSON-lines export of the same group (the yardstick: same store reads and HTTP, no MIME),
 * and the renderer alone in this process. Import: `newsmesh import` of that file into a fresh
 * node, process start to exit, alternating with the import of the same articles as JSON
 * lines; the reader alone (mbox split + MIME decode); and the reader on foreign multipart
 * mail, which goes through postal-mime. Loopback only; each load is bounded in count.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArticleSchema, type Article } from '../../protocol/article';
import { MboxReader, parseMboxMessage, renderMboxMessage } from '../../protocol/mbox';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { median } from './ingest';

const N = 100_000;
const GROUP = 'bench.archive';
const RUNS = 3;

function article(i: number, date: string): Article {
  const intl = i % 3 === 0;
  const line = intl ? 'Grüße aus Köln: die Straße ist naß, das Öl ist teuer, sagt sie. ' : 'The quick brown fox jumps over the lazy dog, again and again. ';
  // Wrapped text as mail and news have it: 15 lines of about 64 characters.
  const body = `${`${line.trim()}\n`.repeat(15)}${i % 2 === 0 ? `Regards, ${i}\n` : `-- ${i}`}`;
  return ArticleSchema.parse({
    id: `<archive.${i}@bench-origin>`,
    newsgroups: [GROUP],
    from: intl ? 'Zoë Müller <zoe@example.org>' : 'Sam Smith <sam@example.org>',
    subject: intl ? `Grüße Nummer ${i}` : `Article number ${i}`,
    date,
    references: i % 4 === 3 ? [`<archive.${i - 3}@bench-origin>`] : [],
    path: ['bench-origin'],
    body,
  });
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
}

async function stop(p: NodeProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

/** Reads a whole mbox file's bytes with the import's reader; answers articles/s. */
async function readRate(file: Buffer, expect: number): Promise<number> {
  const t0 = performance.now();
  const reader = new MboxReader();
  let ok = 0;
  const take = async (items: ReturnType<MboxReader['take']>) => {
    for (const item of items) if (item.ok && (await parseMboxMessage(item.raw, { group: GROUP })).ok) ok++;
  };
  for (let at = 0; at < file.length; at += 256 * 1024) {
    reader.pushBytes(file.subarray(at, at + 256 * 1024));
    await take(reader.take());
  }
  await take(reader.end());
  if (ok !== expect) throw new Error(`reader got ${ok} articles, expected ${expect}`);
  return expect / ((performance.now() - t0) / 1000);
}

/** Foreign mail: multipart/alternative, Latin-1 quoted-printable text part, no Newsgroups. */
function foreignMbox(count: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(
      `From list@example.org Tue Mar  3 10:00:00 2026\nMessage-ID: <list.${i}@example.org>\nFrom: =?iso-8859-1?q?Zo=EB?= <zoe@example.org>\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe_${i}?=\nDate: Tue, 03 Mar 2026 10:00:00 +0000\n${i > 0 ? `In-Reply-To: <list.${i - 1}@example.org>\n` : ''}MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b${i}"\n\n--b${i}\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n${'Sch=F6n, dass es klappt. '.repeat(30)}\n--b${i}\nContent-Type: text/html\n\n<p>Sch&ouml;n</p>\n--b${i}--\n\n`,
    );
  }
  return Buffer.from(parts.join(''), 'latin1');
}

export async function archiveSection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-bench-archive-');
  const procs: NodeProcess[] = [];
  try {
    const date = new Date(Date.now() - 3600_000).toISOString();
    const articles = Array.from({ length: N }, (_, i) => article(i, date));

    // The renderer alone: what MIME costs per article, no store, no HTTP.
    const renderRates: number[] = [];
    const encodings: Record<string, number> = {};
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      let last = '';
      for (const a of articles) last = renderMboxMessage(a);
      renderRates.push(N / ((performance.now() - t0) / 1000));
      if (last.length === 0) throw new Error('nothing rendered');
    }
    for (const a of articles) {
      const cte = /\nContent-Transfer-Encoding: (\S+)\n/.exec(renderMboxMessage(a))![1];
      encodings[cte] = (encodings[cte] ?? 0) + 1;
    }

    const source = await spawnNode(['--data', join(tmp.dir, 'source'), '--name', 'bench-source']);
    procs.push(source);
    for (let start = 0; start < N; start += 1000) await post(`${source.webUrl}/api/import`, { articles: articles.slice(start, start + 1000) });

    /** One export over HTTP: the file and articles/s. */
    const exportOnce = async (format: 'mbox' | 'jsonl'): Promise<{ file: Buffer; rate: number }> => {
      const t0 = performance.now();
      const res = await fetch(`${source.webUrl}/api/groups/${GROUP}/export?format=${format}`);
      const chunks: Buffer[] = [];
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      const secs = (performance.now() - t0) / 1000;
      return { file: Buffer.concat(chunks), rate: N / secs };
    };
    // Runs alternate with the JSON-lines export (no MIME) of the same group: the yardstick.
    const exportRates: number[] = [];
    const jsonlRates: number[] = [];
    let file: Buffer = Buffer.alloc(0);
    let jsonl: Buffer = Buffer.alloc(0);
    for (let r = 0; r < RUNS; r++) {
      const m = await exportOnce('mbox');
      file = m.file;
      exportRates.push(m.rate);
      const j = await exportOnce('jsonl');
      jsonl = j.file;
      jsonlRates.push(j.rate);
    }
    const envelopes = file.toString('latin1').match(/(^|\n)From newsmesh /g)?.length ?? 0;
    if (envelopes !== N) throw new Error(`export held ${envelopes} messages, expected ${N}`);
    const mboxFile = join(tmp.dir, 'export.mbox');
    writeFileSync(mboxFile, file);
    const jsonlFile = join(tmp.dir, 'export.jsonl');
    writeFileSync(jsonlFile, jsonl);

    const readRates: number[] = [];
    for (let r = 0; r < RUNS; r++) readRates.push(await readRate(file, N));
    const foreignCount = 20_000;
    const foreignRate = await readRate(foreignMbox(foreignCount), foreignCount);

    /** `newsmesh import` of a file into a fresh node: articles/s from process start to exit. */
    const importOnce = async (path: string, label: string): Promise<{ rate: number; line: string }> => {
      const target = await spawnNode(['--data', join(tmp.dir, label), '--name', label]);
      procs.push(target);
      const t0 = performance.now();
      const out = await runCli(['import', path, '--api', target.webUrl], { timeoutMs: 600_000 });
      const secs = (performance.now() - t0) / 1000;
      const line = out.stdout.trim();
      if (out.code !== 0 || !line.endsWith(`${N} added, 0 present, 0 rejected`)) throw new Error(`import: ${out.code} ${line} ${out.stderr.slice(0, 500)}`);
      await stop(target);
      return { rate: N / secs, line };
    };
    // Alternating with the import of the same articles as JSON lines (no MIME): the yardstick.
    const importRates: number[] = [];
    const importJsonlRates: number[] = [];
    let lastLine = '';
    for (let r = 0; r < RUNS; r++) {
      const m = await importOnce(mboxFile, `target-mbox-${r}`);
      lastLine = m.line;
      importRates.push(m.rate);
      importJsonlRates.push((await importOnce(jsonlFile, `target-jsonl-${r}`)).rate);
    }

    return {
      articles: N,
      fileBytes: file.length,
      transferEncodings: encodings,
      renderArticlesPerSec: Math.round(median(renderRates)),
      exportArticlesPerSec: Math.round(median(exportRates)),
      exportRuns: exportRates.map(Math.round),
      exportTargetArticlesPerSec: 50_000,
      exportJsonlArticlesPerSec: Math.round(median(jsonlRates)),
      exportRatioToJsonl: Number((median(exportRates) / median(jsonlRates)).toFixed(2)),
      readArticlesPerSec: Math.round(median(readRates)),
      readForeignMultipartPerSec: Math.round(foreignRate),
      importArticlesPerSec: Math.round(median(importRates)),
      importRuns: importRates.map(Math.round),
      importTargetArticlesPerSec: 20_000,
      importJsonlArticlesPerSec: Math.round(median(importJsonlRates)),
      importRatioToJsonl: Number((median(importRates) / median(importJsonlRates)).toFixed(2)),
      importSummary: lastLine,
    };
  } finally {
    await Promise.all(procs.map(stop));
    tmp.cleanup();
  }
}
