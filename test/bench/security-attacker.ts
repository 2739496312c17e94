/**
 * The attacker of the security bench, a process of its own so that its work does not land
 * on the event loop that measures the victim: reads its plan (JSON) from argv[2], peers its
 * keyed strangers with the victim, prints `ready`, runs every attack at once for
 * plan.durationMs while the honest peer's new article ids arrive on stdin (one a line), and
 * prints one JSON line with its tally. A hard deadline ends it whatever hangs.
 */
import { createInterface } from 'node:readline';
import { copies, helloFlood, nestedJson, ownerRoutes, passwords, takeover, wildmat, type AttackContext, type AttackPlan } from './security-attacks';
import { clientFrom, Stranger, Tally } from './security-client';
import { hostilePeer, slowloris } from './security-sockets';

/** Ids from stdin as an async iterable that ends at `until`. */
function idsUntil(ctx: AttackContext): AsyncIterable<string> {
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim()) queue.push(line.trim());
    wake?.();
  });
  return {
    async *[Symbol.asyncIterator]() {
      while (Date.now() < ctx.until) {
        const id = queue.shift();
        if (id) {
          yield id;
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, Math.max(0, Math.min(500, ctx.until - Date.now())));
        });
        wake = null;
      }
    },
  };
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as AttackPlan;
  const tally = new Tally();
  const ctx: AttackContext = { ...plan, tally, until: Date.now() + plan.durationMs + 30_000, forgedIds: [], teaserFirst: [] };
  const report = (complete: boolean) => process.stdout.write(`${JSON.stringify({ complete, tally: tally.counts, forgedIds: ctx.forgedIds, teaserFirst: ctx.teaserFirst })}\n`);
  setTimeout(() => {
    report(false);
    process.exit(0);
  }, plan.durationMs + 90_000).unref();

  const agent = clientFrom('127.0.0.7');
  const peers = {
    invalid: new Stranger(agent, plan.victimPeer, 'copy-invalid', 'http://127.0.0.7:9/copy-invalid'),
    loop: new Stranger(agent, plan.victimPeer, 'copy-loop', 'http://127.0.0.7:9/copy-loop'),
    teaser: new Stranger(agent, plan.victimPeer, 'offer-only', 'http://127.0.0.7:9/offer-only'),
  };
  for (const p of Object.values(peers)) {
    const r = await p.hello();
    if (r.status !== 200) throw new Error(`${p.name} could not peer: ${r.status} ${r.text}`);
  }
  const hostile = await hostilePeer(ctx);
  ctx.until = Date.now() + plan.durationMs;
  process.stdout.write('ready\n');
  await Promise.all([
    takeover(ctx),
    wildmat(ctx),
    ownerRoutes(ctx),
    nestedJson(ctx),
    copies(ctx, peers, idsUntil(ctx)),
    helloFlood(ctx),
    passwords(ctx),
    slowloris(ctx),
    hostile.run(),
  ]);
  await hostile.close();
  await agent.close();
  report(true);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
