/**
 * The greeting side of `POST /v1/hello`: sends our name, current URL, the token the peer
 * should use to call us and our group filter, and checks the answer. A known peer is greeted
 * with its bearer token so it can tell us from a stranger claiming our name.
 */
import { HelloReplySchema, PROTOCOL_VERSION, type Hello, type HelloReply } from '../../protocol/peer-messages';
import { NmError } from '../errors';
import { parseJson, TransportError, type Transport } from './transport';

export interface HelloArgs {
  url: string;
  hello: Hello;
  /** Our tokenOut for a known peer. */
  token?: string;
  timeoutMs: number;
}

/** Resolves with the peer's reply, or throws NmError (unreachable / refused). */
export async function sayHello(transport: Transport, args: HelloArgs): Promise<HelloReply> {
  let res;
  try {
    res = await transport.request({
      url: args.url,
      method: 'POST',
      path: '/v1/hello',
      body: JSON.stringify(args.hello),
      token: args.token,
      timeoutMs: args.timeoutMs,
    });
  } catch (err) {
    const why = err instanceof TransportError ? err.message : String(err);
    throw new NmError('NM_ERR_PEER_UNREACHABLE', `cannot reach ${args.url}: ${why}`);
  }
  const data = parseJson(res.text);
  if (res.status !== 200) {
    const msg = (data as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
    throw new NmError('NM_ERR_PEER_REFUSED', `${args.url} refused the peering: ${msg}`);
  }
  const reply = HelloReplySchema.safeParse(data);
  if (!reply.success) throw new NmError('NM_ERR_PEER_REFUSED', `${args.url} did not answer like a newsmesh node (bad hello reply)`);
  if (reply.data.version !== PROTOCOL_VERSION) {
    throw new NmError('NM_ERR_PEER_REFUSED', `${args.url} speaks protocol version ${reply.data.version}, this node ${PROTOCOL_VERSION}`);
  }
  if (reply.data.token.length < 16) throw new NmError('NM_ERR_PEER_REFUSED', `${args.url} gave a token too short to be safe`);
  return reply.data;
}
