/**
 * What a peer stream (peer-stream.ts) needs of its transport, and what serves the calls a peer
 * makes on a two-way stream: the seams between the socket, the transport that chooses it, and
 * the gossip part that answers calls (node/gossip/stream-session.ts).
 */
import type WebSocket from 'ws';
import { LIMITS } from '../../protocol/limits';
import type { StreamTransportComponents, StreamTransportInit } from './stream-transport';
import { REPLY_CAPS, type TransportStats } from './transport';

/** Takes the call frames a peer sends on a stream (stream-session.ts). */
export interface FrameSink {
  take(frame: Buffer, isBinary: boolean): void;
}

/** Serves the calls a peer makes back on a two-way stream this node dialled (the gossip part's). */
export interface CallServer {
  /** Largest call frame taken (one TAKETHIS batch). */
  readonly maxFrameBytes: number;
  /** The sink for calls made with `token` on a stream dialled with `dialToken`, or the refusal to answer the bind with. */
  bind(ws: WebSocket, token: string, dialToken: string): FrameSink | { status: number; body: string };
}

/** What a stream needs of its transport. */
export interface StreamHost {
  readonly c: StreamTransportComponents;
  readonly init: StreamTransportInit;
  readonly stats: TransportStats;
  /** Set once the node serves calls on the streams it dials (two-way streams). */
  readonly calls: CallServer | null;
  count(path: string | null, bodySent: number, headerBytes: number, bodyReceived: number): void;
}

/** Largest answer a stream takes (the largest flood-fill answer and its header line). */
export const CLIENT_MAX_PAYLOAD = Math.max(REPLY_CAPS.ihave, REPLY_CAPS.takethis) + LIMITS.streamHeaderMaxBytes + 1;
