/**
 * `newsmesh start`: runs a node in the foreground. Prints exactly one line to stdout when
 * both listeners are up; logs go to stderr. SIGINT/SIGTERM close the node cleanly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { configFromEnv } from '../config';
import { startNode } from '../main';
import { checkDataDir } from './check';
import { boundHeapGrowth } from './heap-growth';
import { CliError, fail } from './errors';

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').filter(Boolean)];

export function startCommand(): Command {
  return new Command('start')
    .description('run a node in the foreground')
    .addOption(new Option('--data <dir>', 'data directory').env('NEWSMESH_DATA').default('./data'))
    .addOption(new Option('--name <name>', 'node name (default: generated once, kept in the data dir)').env('NEWSMESH_NAME'))
    .addOption(new Option('--web <host:port>', 'owner page and local API').env('NEWSMESH_WEB').default('127.0.0.1:8080'))
    .addOption(new Option('--listen <host:port>', 'peer protocol listener').env('NEWSMESH_LISTEN').default('0.0.0.0:9119'))
    .addOption(new Option('--nntp <host:port|off>', 'NNTP listener for newsreaders and NNTP peers').env('NEWSMESH_NNTP').default('127.0.0.1:1119'))
    .addOption(new Option('--public-url <url>', 'peer URL to give other nodes').env('NEWSMESH_PUBLIC_URL'))
    .addOption(new Option('--peer <url>', 'peer with this node at start (repeatable)').env('NEWSMESH_PEER').argParser(collect).default([]))
    .addOption(new Option('--accept-peers <mode>', 'who may peer with this node').env('NEWSMESH_ACCEPT_PEERS').choices(['open', 'approve', 'closed']).default('open'))
    .addOption(new Option('--public-read <mode>', 'who may read group archives on the peer port').env('NEWSMESH_PUBLIC_READ').choices(['on', 'peers', 'off']).default('on'))
    .addOption(new Option('--max-article-bytes <n>', 'largest article body accepted').env('NEWSMESH_MAX_ARTICLE_BYTES'))
    .addOption(new Option('--web-password <password>', 'required for writes when --web is not loopback').env('NEWSMESH_WEB_PASSWORD'))
    .addOption(new Option('--web-host <name>', 'a public name the web listener answers to (repeatable)').env('NEWSMESH_WEB_HOST').argParser(collect).default([]))
    .addOption(new Option('--max-peers <n>', 'most peers kept (active and pending)').env('NEWSMESH_MAX_PEERS'))
    .addOption(new Option('--max-pending-peers <n>', 'most peering requests waiting at once').env('NEWSMESH_MAX_PENDING_PEERS'))
    .addOption(new Option('--allow-private-peers', "let strangers' hellos name loopback, link-local or private addresses").env('NEWSMESH_ALLOW_PRIVATE_PEERS'))
    .addOption(new Option('--accept-groups <wildmat>', 'new groups this node takes (from peers, mirrors, imports, posts)').env('NEWSMESH_ACCEPT_GROUPS').default('*'))
    .addOption(new Option('--max-groups <n>', 'most groups carried').env('NEWSMESH_MAX_GROUPS'))
    .addOption(new Option('--max-queue <n>', "most articles queued for one peer (the oldest are dropped past it)").env('NEWSMESH_MAX_QUEUE'))
    .addOption(new Option('--history-days <n>', 'days an id whose article is gone is remembered').env('NEWSMESH_HISTORY_DAYS'))
    .addOption(new Option('--retain <rules>', "retention rules, e.g. 'comp.*=90d,*=365d' or '*=10GB'").env('NEWSMESH_RETAIN'))
    .addOption(new Option('--serve-rate <n>', 'most archive articles served per second to mirrors, all together (default: unlimited)').env('NEWSMESH_SERVE_RATE'))
    .addOption(new Option('--check', 'run the offline consistency check (newsmesh check) first; refuse to start on damage').env('NEWSMESH_CHECK'))
    .action(async (opts: Record<string, unknown>) => {
      try {
        if (flag(opts.check)) await checkBeforeStart(opts.data as string);
        boundHeapGrowth(process.env, process.execArgv);
        const node = await startNode({
          // Tuning knobs and the log level: environment only (node/config.ts).
          ...configFromEnv(process.env),
          data: opts.data as string,
          name: opts.name as string | undefined,
          web: opts.web as string,
          listen: opts.listen as string,
          nntp: opts.nntp as string,
          publicUrl: opts.publicUrl as string | undefined,
          peer: typeof opts.peer === 'string' ? collect(opts.peer, []) : (opts.peer as string[]),
          acceptPeers: opts.acceptPeers as 'open',
          publicRead: opts.publicRead as 'on',
          maxArticleBytes: opts.maxArticleBytes as number | undefined,
          webPassword: opts.webPassword as string | undefined,
          webHost: typeof opts.webHost === 'string' ? collect(opts.webHost, []) : (opts.webHost as string[]),
          maxPeers: opts.maxPeers as number | undefined,
          maxPendingPeers: opts.maxPendingPeers as number | undefined,
          allowPrivatePeers: flag(opts.allowPrivatePeers),
          acceptGroups: opts.acceptGroups as string,
          maxGroups: opts.maxGroups as number | undefined,
          maxQueue: opts.maxQueue as number | undefined,
          historyDays: opts.historyDays as number | undefined,
          ...(typeof opts.retain === 'string' ? { retain: opts.retain } : {}),
          serveRate: opts.serveRate as number | undefined,
        });
        const stop = () => {
          node.close().then(
            () => process.exit(0),
            (err) => fail(err),
          );
        };
        // Handlers first: whoever reads the ready line may signal at once.
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stdout.write(`newsmesh ${node.name} ready web=${node.webUrl} peer=${node.peerUrl}${node.nntpUrl ? ` nntp=${node.nntpUrl}` : ''}\n`);
      } catch (err) {
        fail(err);
      }
    });
}

/** A boolean flag, or its environment variable (`true`/`1`). */
const flag = (v: unknown): boolean => v === true || v === 'true' || v === '1';

/**
 * `--check`: the offline check before anything is served, so a damaged store is not served and
 * gossiped from. A data dir that does not exist yet has nothing to check.
 */
async function checkBeforeStart(dir: string): Promise<void> {
  if (!existsSync(join(dir, 'CURRENT'))) return;
  const { report, what } = await checkDataDir(dir);
  if (report.problemCount === 0) return;
  const first = report.problems[0] ?? 'see the list';
  throw new CliError(
    `--check: the data dir ${dir} has ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} (${what}); the first: ${first}. Not starting: run \`newsmesh check --data ${dir}\` for the list`,
  );
}
