/**
 * TAKETHIS request bodies: serialised articles (UTF-8 JSON, from the body cache or the store)
 * framed as `{"articles":[...]}` and cut into bodies of at most `maxBytes` of articles and
 * LIMITS.articlesPerBatchMax articles each, by concatenating the bytes (no re-encoding).
 */
import { LIMITS } from '../../protocol/limits';

const OPEN = Buffer.from('{"articles":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/** TAKETHIS bodies of at most `maxBytes` of articles each (one article at least), ready to send. */
export function takethisBodies(articles: Buffer[], maxBytes: number): { body: Buffer; count: number }[] {
  const out: { body: Buffer; count: number }[] = [];
  let parts: Buffer[] = [OPEN];
  let count = 0;
  let bytes = 0;
  const close = () => {
    parts.push(CLOSE);
    out.push({ body: Buffer.concat(parts), count });
  };
  for (const a of articles) {
    if (count > 0 && (bytes + a.length > maxBytes || count >= LIMITS.articlesPerBatchMax)) {
      close();
      parts = [OPEN];
      count = 0;
      bytes = 0;
    }
    if (count > 0) parts.push(COMMA);
    parts.push(a);
    count++;
    bytes += a.length + 1;
  }
  if (count > 0) close();
  return out;
}
