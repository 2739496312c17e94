/**
 * Who this node is to the outside: its name and key, made before anything starts, and the URLs
 * it answers on, which exist only once the listeners are bound. node/main.ts binds the web and
 * peer URLs once, the NNTP part its URL once; after that the identity never changes, and a
 * second bind is a bug that throws. Before binding the URLs read as '' (a request can reach
 * the web listener in the moment between its bind and the peer listener's).
 */

export interface ListenerUrls {
  webUrl: string;
  peerUrl: string;
  /** Set when peerUrl is the wildcard address, which other nodes cannot use (node/exposure.ts). */
  peerUrlWarning?: string;
}

export class NodeIdentity {
  private urls: Readonly<ListenerUrls> | null = null;
  private nntp: string | null = null;

  constructor(
    readonly name: string,
    /** The node's Ed25519 public key, base64url of its raw 32 bytes. */
    readonly key: string,
    /** Its human-comparable form (node/identity/fingerprint.ts). */
    readonly fingerprint: string,
  ) {}

  /** Called once by node/main.ts when both listeners are bound. */
  bindListeners(urls: ListenerUrls): void {
    if (this.urls) throw new Error('the listener URLs are already bound');
    this.urls = Object.freeze({ ...urls });
  }

  /** Called once by the NNTP part when its listener is bound. */
  bindNntp(url: string): void {
    if (this.nntp !== null) throw new Error('the NNTP URL is already bound');
    this.nntp = url;
  }

  get webUrl(): string {
    return this.urls?.webUrl ?? '';
  }

  get peerUrl(): string {
    return this.urls?.peerUrl ?? '';
  }

  get peerUrlWarning(): string | undefined {
    return this.urls?.peerUrlWarning;
  }

  /** `nntp://host:port` of the NNTP listener, when it runs (for GET /api/node's nntpUrl). */
  get nntpUrl(): string | undefined {
    return this.nntp ?? undefined;
  }
}
