/**
 * Builders for the takedown tests: in-process nodes with the takedown, gossip and mirror parts
 * (real LevelDB, real HTTP on port 0), and small calls of the takedown API.
 */
import { gossipPart } from '../../node/gossip/gossip-part';
import { mirrorPart } from '../../node/mirror/mirror-part';
import { takedownPart } from '../../node/takedown/takedown-part';
import type { NodeConfigInput } from '../../node/config';
import type { StartOptions } from '../../node/main';
import type { TakedownService } from '../../node/takedown/takedown-service';
import { startTestNode, type TestNode } from '../helpers/node';
import { api, TEST_GOSSIP } from './gossip-harness';

export function startTakedownNode(config: Partial<NodeConfigInput> = {}, opts: Omit<StartOptions, 'parts'> = {}): Promise<TestNode> {
  return startTestNode(config, { ...opts, parts: [takedownPart, gossipPart(TEST_GOSSIP), mirrorPart] });
}

export function takedownOf(node: TestNode): TakedownService {
  return node.components.features.get('takedown')!;
}

export async function postArticle(node: TestNode, group = 'test.a', subject = 'hello', references?: string[]): Promise<{ id: string; cancelKey: string }> {
  const r = await api<{ id: string; cancelKey: string }>(node, 'POST', '/api/articles', { newsgroups: group, from: 'poster@example', subject, body: `${subject}\n`, ...(references ? { references } : {}) });
  if (r.status !== 201) throw new Error(`post failed: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data;
}

/** The status `GET /api/articles/ID` answers. */
export async function articleStatus(node: TestNode, id: string): Promise<number> {
  return (await api(node, 'GET', `/api/articles/${encodeURIComponent(id)}`)).status;
}
