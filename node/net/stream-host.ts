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
  /** The calls that follow are made with this bearer token (a new bind on a two-way stream). */
  rebind(token: string): void;
}

/** Serves the calls a peer makes back on a two-way stream this node dialled (the gossip part's). */
export interface CallServer {
  /** Largest call frame taken (one TAKETHIS batch). */
  readonly maxFrameBytes: number;
  /** Why a bind presenting `token` on a stream dialled with `dialToken` is refused (the answer to send), or null. */
  refusal(token: string, dialToken: string): { status: number; body: string } | null;
  /** The one sink for the calls on this socket (a later bind rebinds it: its bounds hold across binds). */
  session(ws: WebSocket, token: string): FrameSink;
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
