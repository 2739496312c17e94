/**
 * Builders for in-process nodes: real LevelDB in a temp dir, real HTTP on 127.0.0.1 port 0,
 * silent logger. Many nodes can run in one jest process.
 */
import { startNode, type RunningNode, type StartOptions } from '../../node/main';
import type { NodeConfigInput } from '../../node/config';
import { silentLogger } from '../../node/logger';
import { tempDir } from './tmp';

export interface TestNode extends RunningNode {
  dir: string;
  /** Stops the node and removes its data dir. */
  destroy(): Promise<void>;
}

export async function startTestNode(config: Partial<NodeConfigInput> = {}, opts: StartOptions = {}): Promise<TestNode> {
  const tmp = config.data ? { dir: config.data, cleanup: () => undefined } : tempDir();
  const node = await startNode(
    { web: '127.0.0.1:0', listen: '127.0.0.1:0', nntp: '127.0.0.1:0', ...config, data: tmp.dir },
    { logger: silentLogger(), ...opts },
  );
  return {
    ...node,
    dir: tmp.dir,
    destroy: async () => {
      await node.close();
      tmp.cleanup();
    },
  };
}

/** A minimal valid article for tests. */
export function makeArticle(over: Record<string, unknown> = {}, i = 0): Record<string, unknown> {
  return {
    id: `<test.${i}.${Math.random().toString(36).slice(2)}@example>`,
    newsgroups: ['test.a'],
    from: 'tester@example',
    subject: `subject ${i}`,
    date: new Date().toISOString(),
    references: [],
    path: ['origin'],
    body: `body ${i}\n`,
    ...over,
  };
}
