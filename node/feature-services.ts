/**
 * Interfaces of the feature services that the web pages and the local API call, implemented
 * by gossip/ (peers) and mirror/ (mirror jobs). NodeService holds them once their parts are
 * built, so web/ depends only on these shapes.
 */
import type { AddPeer, MirrorJobInfo, PeerInfo, StartMirror } from '../protocol/api';

export interface PeerService {
  list(): Promise<PeerInfo[]>;
  /** Handshakes with the node at `url` and keeps it; resolves once the link is set up. */
  add(req: AddPeer): Promise<{ name: string; url: string; state: PeerInfo['state'] }>;
  remove(name: string): Promise<void>;
  /** Accepts a pending request (under --accept-peers approve). */
  approve(name: string): Promise<void>;
  /** The active peer whose bearer token this Authorization header carries, or null. */
  peerForAuthorization(authorization: string | undefined): string | null;
  /** The known peer at this URL (trailing slashes ignored) and the token to call it with. */
  peerAtUrl(url: string): { name: string; token?: string } | null;
}

export interface MirrorService {
  /** Checks the peer first; `started` is false when the job was already running. */
  start(req: StartMirror): Promise<{ id: string; started: boolean }>;
  list(): Promise<MirrorJobInfo[]>;
  get(id: string): Promise<MirrorJobInfo | undefined>;
  /** Stops the job if it runs and removes it; answers it as it ended (`cancelled` if it ran). */
  cancel(id: string): Promise<MirrorJobInfo>;
}
