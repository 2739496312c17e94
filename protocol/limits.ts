/**
 * Every size and count limit of the protocol, in one place (cf. gossipsub's constants.ts).
 * Values that a node owner may change (the body size) are defaults here and overridden by config.
 */
export const LIMITS = {
  messageIdMaxBytes: 250,
  groupNameMaxBytes: 120,
  newsgroupsMin: 1,
  newsgroupsMax: 10,
  fromMaxChars: 256,
  subjectMaxChars: 998,
  referencesMax: 100,
  pathMax: 200,
  nodeNameMaxBytes: 64,
  headersMax: 50,
  headerNameMaxBytes: 64,
  headerValueMaxChars: 998,
  /** Default body limit (`--max-article-bytes`). */
  bodyMaxBytesDefault: 64 * 1024,
  /** Articles dated further ahead than this are refused. */
  futureSkewMs: 24 * 60 * 60 * 1000,
  /** Largest JSON request body the local API and peer listener read. */
  requestMaxBytes: 8 * 1024 * 1024,
  /** Deepest JSON nesting accepted in any request. */
  jsonMaxDepth: 8,
  /** IHAVE / SENDME batch size. */
  idsPerBatchMax: 1000,
  /** TAKETHIS batch: at most this many articles... */
  articlesPerBatchMax: 1000,
  /** ...and roughly this many bytes of article JSON. */
  takethisBatchBytes: 1024 * 1024,
  /** Largest SENDME answer (mirror): bodies past it are listed in `more` and asked for again. */
  sendmeReplyBytes: 4 * 1024 * 1024,
  /** Group index and article listing page size. */
  indexPageMax: 1000,
  listPageDefault: 100,
  /** How long a rejected id is remembered (not fetched again). */
  rejectedMemoryMs: 60 * 60 * 1000,
  /** Largest message (mbox) or line (JSON lines) an import file may hold; a bigger one is skipped. */
  fileMessageMaxBytes: 32 * 1024 * 1024,
  /** A hello's `time` may be this far from the answering node's clock (key proof). */
  helloClockSkewMs: 24 * 60 * 60 * 1000,
  /** Peer stream (/v1/stream): bytes of one frame's header line. */
  streamHeaderMaxBytes: 256,
  /** Peer stream: calls one stream may have unanswered; past it the server stops reading. */
  streamCallsInFlightMax: 64,
  /** Peer stream: open streams per peer; a newer one closes the oldest. */
  streamsPerPeerMax: 2,
  /** A bearer token a peer gives or presents (hello, stream bind). */
  peerTokenMaxBytes: 256,
} as const;

export type Limits = typeof LIMITS;
