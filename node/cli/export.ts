/**
 * `newsmesh export GROUP [--format mbox|jsonl] [--out FILE]`: streams a group's archive from
 * the running node to a file or stdout, without holding it in memory.
 */
import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Command, Option } from 'commander';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { CliError, fail } from './errors';

export function exportCommand(): Command {
  return new Command('export')
    .description('write a group archive as mbox (mboxrd, RFC 5536 headers) or JSON lines')
    .argument('<group>', 'the group to export')
    .addOption(new Option('--format <format>', 'file format').choices(['mbox', 'jsonl']).default('mbox'))
    .option('--out <file>', 'write here instead of stdout')
    .addOption(apiOption())
    .action(async (group: string, opts: { format: 'mbox' | 'jsonl'; out?: string; api: string }) => {
      try {
        const api = new ApiClient(opts.api);
        const res = await api.stream(`/api/groups/${encodeURIComponent(group)}/export?format=${opts.format}`);
        if (!res.body) throw new CliError('the node sent no body');
        const sink: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), sink);
        if (opts.out) process.stderr.write(`exported ${group} to ${opts.out}\n`);
      } catch (err) {
        fail(err);
      }
    });
}
