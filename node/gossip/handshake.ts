/**
 * The greeting side of the handshake (docs/protocol.md, "Peering"): `POST /v1/challenge` with
 * our nonce, whose reply proves the other node's key before anything of ours is sent; then
 * `POST /v1/hello` with our name, URL, token and filter, signed over its challenge, both URLs
 * and the time; its reply must be signed by the same key over our hello nonce. A known peer is
 * greeted with its bearer token too (records from before node keys bind a key that way).
 */
import { randomBytes } from 'node:crypto';
import { ChallengeReplySchema, HelloReplySchema, PROTOCOL_VERSION, type ChallengeReply, type Hello, type HelloReply } from '../../protocol/peer-messages';
import { NmError } from '../errors';
import { fingerprint } from '../identity/fingerprint';
import { challengeSigValid, helloReplySigValid, signHello } from '../identity/key-proof';
import type { NodeKey } from '../identity/node-key';
import type { Clock } from '../clock';
import { parseJson, REPLY_CAPS, TransportError, type PeerResponse, type Transport } from '../net/transport';

export interface HandshakeComponents {
  transport: Transport;
  clock: Clock;
  nodeKey: NodeKey;
  timeoutMs: number;
  /** The URL came from a stranger (greeting a stranger's record): dials are checked. */
  strangerUrl?: boolean;
}

/** Who we are in a hello. */
export interface Greeter {
  name: string;
  /** Our peer URL. */
  url: string;
}

export interface HelloArgs {
  /** The other node's URL as we dial it. */
  url: string;
  /** The proven challenge reply from `fetchChallenge`. */
  challenge: ChallengeReply;
  /** The token the other node should use to call us. */
  token: string;
  groups?: string;
  /** Our tokenOut for a known peer. */
  authToken?: string;
}

const nonce = () => randomBytes(24).toString('base64url');

async function call(c: HandshakeComponents, url: string, path: string, body: unknown, token?: string): Promise<{ res: PeerResponse; data: unknown }> {
  let res: PeerResponse;
  try {
    res = await c.transport.request({ url, method: 'POST', path, body: JSON.stringify(body), token, timeoutMs: c.timeoutMs, maxBytes: REPLY_CAPS.small, strangerUrl: c.strangerUrl });
  } catch (err) {
    const why = err instanceof TransportError ? err.message : String(err);
    throw new NmError('NM_ERR_PEER_UNREACHABLE', `cannot reach ${url}: ${why}`);
  }
  const data = parseJson(res.text);
  if (res.status === 200) return { res, data };
  const msg = (data as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
  if (res.status === 404 && path === '/v1/challenge') {
    throw new NmError('NM_ERR_PEER_REFUSED', `${url} has no ${path}: it runs a newsmesh from before node keys, which this node cannot peer with`);
  }
  throw new NmError('NM_ERR_PEER_REFUSED', `${url} refused the peering: ${msg}`);
}

/** Step 1: a fresh challenge from the node at `url`, with proof that it holds the key it names. */
export async function fetchChallenge(c: HandshakeComponents, url: string): Promise<ChallengeReply> {
  const ours = nonce();
  const { data } = await call(c, url, '/v1/challenge', { nonce: ours });
  const reply = ChallengeReplySchema.safeParse(data);
  if (!reply.success) throw new NmError('NM_ERR_PEER_REFUSED', `${url} did not answer like a newsmesh node (bad challenge reply)`);
  const ch = reply.data;
  if (ch.version !== PROTOCOL_VERSION) throw new NmError('NM_ERR_PEER_REFUSED', `${url} speaks protocol version ${ch.version}, this node ${PROTOCOL_VERSION}`);
  if (!ch.sig || !challengeSigValid({ nonce: ours, challenge: ch.challenge, name: ch.name, key: ch.key }, ch.sig)) {
    throw new NmError('NM_ERR_PEER_REFUSED', `${url} did not prove the key it names (${fingerprint(ch.key)})`);
  }
  return ch;
}

/** Step 2: the signed hello; resolves with the reply once it is proven by the challenge's key. */
export async function sendHello(c: HandshakeComponents, me: Greeter, args: HelloArgs): Promise<HelloReply> {
  const { url, challenge: ch } = args;
  const fields = {
    challenge: ch.challenge,
    url: me.url,
    to: url,
    time: c.clock.now(),
    name: me.name,
    key: c.nodeKey.key,
    token: args.token,
    ...(args.groups ? { groups: args.groups } : {}),
    nonce: nonce(),
  };
  const hello: Hello = { ...fields, version: PROTOCOL_VERSION, sig: signHello(c.nodeKey, fields) };
  const { data } = await call(c, url, '/v1/hello', hello, args.authToken);
  const parsed = HelloReplySchema.safeParse(data);
  if (!parsed.success) throw new NmError('NM_ERR_PEER_REFUSED', `${url} did not answer like a newsmesh node (bad hello reply)`);
  const reply = parsed.data;
  if (reply.version !== PROTOCOL_VERSION) throw new NmError('NM_ERR_PEER_REFUSED', `${url} speaks protocol version ${reply.version}, this node ${PROTOCOL_VERSION}`);
  const proven =
    reply.key === ch.key &&
    reply.name === ch.name &&
    helloReplySigValid({ nonce: fields.nonce, challenge: ch.challenge, name: reply.name, key: reply.key, token: reply.token, state: reply.state }, reply.sig);
  if (!proven) throw new NmError('NM_ERR_PEER_REFUSED', `${url} answered the hello without proof of its key ${fingerprint(ch.key)}`);
  if (reply.token.length < 16) throw new NmError('NM_ERR_PEER_REFUSED', `${url} gave a token too short to be safe`);
  return reply;
}
