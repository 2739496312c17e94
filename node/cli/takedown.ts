/**
 * Takedown from the command line, through the running node's local API: `newsmesh cancel ID
 * [--key KEY]` (posts the author's cancel; without --key, this node's own key of the id),
 * `newsmesh remove ID --reason TEXT` (the owner's removal on this node), `newsmesh removals`
 * and `newsmesh block add|list|remove`.
 */
import { Command } from 'commander';
import type { BlockRule } from '../../protocol/block-rules';
import type { CancelResult, Removal } from '../../protocol/takedown';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { CliError, fail } from './errors';

const articlePath = (id: string) => `/api/articles/${encodeURIComponent(id)}`;

const HERE: Record<CancelResult['here'], string> = {
  removed: 'removed here',
  ignored: 'the key does not open its Cancel-Lock here: nothing changed',
  pending: 'not held here; nodes that hold it check the key',
};

export function cancelCommand(): Command {
  return new Command('cancel')
    .description('cancel an article you posted (sends a cancel with its Cancel-Key to every node)')
    .argument('<id>', 'the Message-ID, with its angle brackets')
    .option('--key <key>', 'the cancelKey the post answered (default: this node\'s key, for articles posted here)')
    .addOption(apiOption())
    .action(async (id: string, opts: { key?: string; api: string }) => {
      try {
        const r = await new ApiClient(opts.api).request<CancelResult>('POST', `${articlePath(id)}/cancel`, opts.key ? { key: opts.key } : {});
        process.stdout.write(`cancel ${r.id} sent for ${r.target}: ${HERE[r.here]}\n`);
      } catch (err) {
        fail(err);
      }
    });
}

export function removeCommand(): Command {
  return new Command('remove')
    .description("take an article down on this node (local: peers are not told); its id is kept so it never comes back")
    .argument('<id>', 'the Message-ID, with its angle brackets')
    .requiredOption('--reason <text>', 'why (shown in the removals list)')
    .addOption(apiOption())
    .action(async (id: string, opts: { reason: string; api: string }) => {
      try {
        const r = await new ApiClient(opts.api).request<Removal>('DELETE', articlePath(id), { reason: opts.reason });
        process.stdout.write(`removed ${r.id}: ${r.reason}\n`);
      } catch (err) {
        fail(err);
      }
    });
}

export function removalsCommand(): Command {
  return new Command('removals')
    .description("list this node's removals (owner removals and honoured cancels), newest first")
    .option('--limit <n>', 'how many', '100')
    .option('--json', 'print the JSON of GET /api/removals')
    .addOption(apiOption())
    .action(async (opts: { limit: string; json?: boolean; api: string }) => {
      try {
        const list = await new ApiClient(opts.api).request<Removal[]>('GET', `/api/removals?limit=${encodeURIComponent(opts.limit)}`);
        if (opts.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else if (list.length === 0) process.stdout.write('no removals\n');
        else for (const r of list) process.stdout.write(`${r.at}  ${r.by}  ${r.id}  ${r.reason}\n`);
      } catch (err) {
        fail(err);
      }
    });
}

export function blockCommand(): Command {
  const cmd = new Command('block').description('refuse future articles by group, from pattern or signing key');
  cmd
    .command('add')
    .description('add a rule (exactly one of --group, --from, --key)')
    .option('--group <wildmat>', 'groups, e.g. "spam.*,alt.bad.*"')
    .option('--from <glob>', 'From values, e.g. "*@spam.example" (* and ?, case-insensitive)')
    .option('--key <fingerprint>', "a signer's key fingerprint (xxxx-xxxx-xxxx-xxxx) or key")
    .option('--reason <text>', 'why (shown in refusals)')
    .addOption(apiOption())
    .action(async (opts: { group?: string; from?: string; key?: string; reason?: string; api: string }) => {
      try {
        const given = (['group', 'from', 'key'] as const).filter((k) => opts[k] !== undefined);
        if (given.length !== 1) throw new CliError('block add needs exactly one of --group, --from, --key');
        const kind = given[0];
        const rule = await new ApiClient(opts.api).request<BlockRule>('POST', '/api/blocks', { kind, pattern: opts[kind], ...(opts.reason ? { reason: opts.reason } : {}) });
        process.stdout.write(`block rule ${rule.id} added: ${rule.kind} ${rule.pattern}\n`);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('list')
    .description('list the rules with their numbers')
    .option('--json', 'print the JSON of GET /api/blocks')
    .addOption(apiOption())
    .action(async (opts: { json?: boolean; api: string }) => {
      try {
        const rules = await new ApiClient(opts.api).request<BlockRule[]>('GET', '/api/blocks');
        if (opts.json) process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
        else if (rules.length === 0) process.stdout.write('no block rules\n');
        else for (const r of rules) process.stdout.write(`${r.id}  ${r.kind}  ${r.pattern}${r.reason ? `  (${r.reason})` : ''}\n`);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('remove')
    .description('remove rule N (see block list)')
    .argument('<n>', 'the rule number')
    .addOption(apiOption())
    .action(async (n: string, opts: { api: string }) => {
      try {
        const rule = await new ApiClient(opts.api).request<BlockRule>('DELETE', `/api/blocks/${encodeURIComponent(n)}`);
        process.stdout.write(`block rule ${rule.id} removed: ${rule.kind} ${rule.pattern}\n`);
      } catch (err) {
        fail(err);
      }
    });
  return cmd;
}
