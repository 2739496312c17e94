/**
 * Process-lifetime counters behind GET /api/stats (the contract's names) and per-peer link
 * figures. Plain numbers: incremented where the event happens, read by the stats route.
 */
export class Metrics {
  ihaveReceived = 0;
  sendmeSent = 0;
  articlesReceived = 0;
  articlesAccepted = 0;
  articlesDuplicate = 0;
  articlesRejected = 0;
  ihaveSent = 0;
  articlesSent = 0;
  /** Bytes of protocol request/response bodies sent and received (bench: wire overhead). */
  wireBytesSent = 0;
  wireBytesReceived = 0;
  /** Peer streams opened: dialled by this node, and two-way streams peers dialled here (one socket per pair). */
  peerStreamsDialled = 0;
  peerStreamsAccepted = 0;
  /** Peer stream sockets open now, either side (a gauge; one per peered pair once settled). */
  peerStreamsOpen = 0;

  snapshot(): Omit<Metrics, 'snapshot'> {
    return { ...this };
  }
}
