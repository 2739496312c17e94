/**
 * How the exact bytes of an NNTP article are kept (`wire` sublevel, one value per article).
 * When the Article's body text turns back into exactly the received body bytes (UTF-8, CRLF),
 * only the header section is stored (`H`) and the body comes from the article record, so the
 * body is not stored twice; otherwise the whole article is (`F`). Either way what is served
 * is byte for byte what was received (Path and Xref aside).
 */
import type { Article } from '../../protocol/article';
import { wireBody } from '../../protocol/nntp/wire-article';
import type { WireCopy } from '../ingest/batch-builder';

const HEAD_ONLY = 0x48; // 'H'
const FULL = 0x46; // 'F'

/**
 * The value to store for an article whose header section is `head` and body `body`;
 * `bodyExact`: wireBody(article.body) gives back exactly `body` (articleFromWire knows).
 */
export function packWire(head: Buffer, body: Buffer, bodyExact: boolean, lines: number): WireCopy {
  const size = head.length + body.length;
  if (bodyExact) return { bytes: Buffer.concat([Buffer.of(HEAD_ONLY), head]), size, lines };
  return { bytes: Buffer.concat([Buffer.of(FULL), head, body]), size, lines };
}

/** The article's bytes from its stored value. */
export function unpackWire(stored: Buffer, article: Article): Buffer {
  if (stored[0] === HEAD_ONLY) return Buffer.concat([stored.subarray(1), wireBody(article.body)]);
  if (stored[0] === FULL) return stored.subarray(1);
  throw new Error(`stored wire copy of ${article.id} has an unknown form`);
}
