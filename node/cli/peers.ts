/**
 * `newsmesh peers add URL [--groups WILDMAT] | list | remove NAME | approve NAME`: manages
 * the running node's peers through its local API. `add` returns after the handshake and
 * prints the peer's name and state; `list` prints one line per peer with its key fingerprint
 * and link health.
 */
import { Command } from 'commander';
import type { PeerInfo } from '../../protocol/api';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { fail } from './errors';
import { systemClock } from '../clock';

const ago = (iso: string | null): string => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((systemClock.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

export function formatPeer(p: PeerInfo): string {
  const parts = [
    p.name,
    p.url,
    p.state,
    `backlog=${p.backlog}`,
    `key=${p.fingerprint ?? 'none'}`,
    `groups=${p.groups ?? '*'}`,
    `seen=${ago(p.lastSeenAt)}`,
    `sent=${p.sent ?? 0}`,
    `dup=${((p.duplicateRatio ?? 0) * 100).toFixed(1)}%`,
    `lag=${p.lagMs ?? 0}ms`,
  ];
  // A peer that leaves its offers undelivered is shown so: its offers wait behind others'.
  if (p.priority === 'low') parts.push(`priority=low unfulfilled=${p.unfulfilled ?? 0}`);
  if (p.lastError) parts.push(`error="${p.lastError}"`);
  return parts.join('  ');
}

export function peersCommand(): Command {
  const cmd = new Command('peers').description("manage this node's peers (add by address, list, remove, approve)");
  cmd
    .command('add')
    .description('peer with the node at URL (its --listen / --public-url address), or feed an NNTP server at nntp://host:port')
    .argument('<url>', "the other node's peer URL, e.g. http://host:9119, or nntp://host:119")
    .option('--groups <wildmat>', 'only exchange these groups, e.g. "comp.*,!comp.test.*"')
    .option('--name <name>', "nntp:// only: the server's name in Path (default: from its greeting)")
    .option('--source-address <ip>', 'nntp:// only: connect from this local address (servers such as INN know peers by address)')
    .addOption(apiOption())
    .action(async (url: string, opts: { groups?: string; name?: string; sourceAddress?: string; api: string }) => {
      try {
        const api = new ApiClient(opts.api);
        const body = { url, ...(opts.groups ? { groups: opts.groups } : {}), ...(opts.name ? { name: opts.name } : {}), ...(opts.sourceAddress ? { sourceAddress: opts.sourceAddress } : {}) };
        const res = await api.request<{ name: string; url: string; state: string }>('POST', '/api/peers', body);
        const note = res.state === 'pending' ? ' (waiting for the other owner to approve)' : '';
        process.stdout.write(`peered with ${res.name} at ${res.url}: ${res.state}${note}\n`);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('list')
    .description('list peers with state, backlog and link health')
    .option('--json', 'print the JSON of GET /api/peers')
    .addOption(apiOption())
    .action(async (opts: { json?: boolean; api: string }) => {
      try {
        const list = await new ApiClient(opts.api).request<PeerInfo[]>('GET', '/api/peers');
        if (opts.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else if (list.length === 0) process.stdout.write('no peers\n');
        else for (const p of list) process.stdout.write(`${formatPeer(p)}\n`);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('remove')
    .description('forget a peer and its outbound queue')
    .argument('<name>', 'the peer name (see peers list)')
    .addOption(apiOption())
    .action(async (name: string, opts: { api: string }) => {
      try {
        await new ApiClient(opts.api).request('DELETE', `/api/peers/${encodeURIComponent(name)}`);
        process.stdout.write(`removed ${name}\n`);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('approve')
    .description('accept a pending peering request (under --accept-peers approve)')
    .argument('<name>', 'the peer name (see peers list)')
    .addOption(apiOption())
    .action(async (name: string, opts: { api: string }) => {
      try {
        await new ApiClient(opts.api).request('POST', `/api/peers/${encodeURIComponent(name)}/approve`);
        process.stdout.write(`approved ${name}\n`);
      } catch (err) {
        fail(err);
      }
    });
  return cmd;
}
