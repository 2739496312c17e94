/**
 * `newsmesh start`: runs a node in the foreground. Prints exactly one line to stdout when
 * both listeners are up; logs go to stderr. SIGINT/SIGTERM close the node cleanly.
 */
import { Command, Option } from 'commander';
import { startNode } from '../main';
import { fail } from './errors';

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
    .action(async (opts: Record<string, unknown>) => {
      try {
        const node = await startNode({
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
          allowPrivatePeers: opts.allowPrivatePeers === true || opts.allowPrivatePeers === 'true' || opts.allowPrivatePeers === '1',
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
