/**
 * The owner's block rules (protocol/block-rules.ts): kept in the `blocks` sublevel, compiled
 * in memory, and enforced as the ingest's `block` vet, so every future article from any
 * origin (peer, mirror, NNTP, import, post) that a rule matches is refused with the rule as
 * the reason. Articles already held are not touched (that is `remove`). Rule ids are small
 * increasing numbers (`block remove N`).
 */
import { blockReason, compileBlockRules, BLOCK_RULES_MAX, type BlockList, type BlockRule, type BlockRuleInput } from '../../protocol/block-rules';
import { FINGERPRINT_RE } from '../../protocol/block-rules';
import type { Article } from '../../protocol/article';
import type { Clock } from '../clock';
import { NmError, notFound } from '../errors';
import { fingerprint } from '../identity/fingerprint';
import type { CommitHook } from '../ingest/commit-hook';
import type { Store } from '../store/store';

const NEXT_ID_META = 'blocksNextId';
const MEMO_MAX = 256;

export class Blocks {
  private rules: BlockRule[] = [];
  private list: BlockList = compileBlockRules([]);
  /** Signer key -> fingerprint (a handful of signers account for most articles). */
  private readonly fps = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly c: { store: Store; clock: Clock }) {}

  async load(): Promise<void> {
    const rules: BlockRule[] = [];
    for await (const v of this.c.store.subs.blocks.values()) rules.push(v as BlockRule);
    this.set(rules.sort((a, b) => Number(a.id) - Number(b.id)));
  }

  hook(): CommitHook {
    return {
      name: 'block',
      vet: (a) => {
        if (this.list.size === 0) return null;
        const signer = this.signerFingerprint(a);
        const rule = this.list.match({ newsgroups: a.newsgroups, from: a.from, ...(signer ? { signerFingerprint: signer } : {}) });
        return rule ? `${rule.kind === 'group' ? 'newsgroups' : rule.kind === 'from' ? 'from' : 'signer'}: ${blockReason(rule)}` : null;
      },
    };
  }

  all(): BlockRule[] {
    return [...this.rules];
  }

  add(input: BlockRuleInput): Promise<BlockRule> {
    return this.serial(async () => {
      if (this.rules.length >= BLOCK_RULES_MAX) throw new NmError('NM_ERR_BLOCK_LIMIT', `this node keeps at most ${BLOCK_RULES_MAX} block rules; remove one first`);
      const next = ((await this.c.store.subs.meta.get(NEXT_ID_META)) as number | undefined) ?? 1;
      const pattern = input.kind === 'key' && !FINGERPRINT_RE.test(input.pattern) ? fingerprint(input.pattern) : input.pattern;
      const rule: BlockRule = { id: String(next), kind: input.kind, pattern, ...(input.reason ? { reason: input.reason } : {}), addedAt: new Date(this.c.clock.now()).toISOString() };
      await this.c.store.batch([
        { type: 'put', sublevel: this.c.store.subs.blocks, key: rule.id, value: rule },
        { type: 'put', sublevel: this.c.store.subs.meta, key: NEXT_ID_META, value: next + 1 },
      ] as never);
      this.set([...this.rules, rule]);
      return rule;
    });
  }

  remove(id: string): Promise<BlockRule> {
    return this.serial(async () => {
      const rule = this.rules.find((r) => r.id === id);
      if (!rule) throw notFound(`block rule ${id}`);
      await this.c.store.subs.blocks.del(id);
      this.set(this.rules.filter((r) => r.id !== id));
      return rule;
    });
  }

  private set(rules: BlockRule[]): void {
    this.rules = rules;
    this.list = compileBlockRules(rules);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The fingerprint of the article's signer, when it carries one (signed articles, issue 12 parts 1-2). */
  private signerFingerprint(a: Article): string | undefined {
    const signer = (a as { signer?: unknown }).signer;
    if (typeof signer !== 'string') return undefined;
    let fp = this.fps.get(signer);
    if (fp === undefined) {
      fp = fingerprint(signer);
      if (this.fps.size >= MEMO_MAX) this.fps.delete(this.fps.keys().next().value as string);
      this.fps.set(signer, fp);
    }
    return fp;
  }
}
