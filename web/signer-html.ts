/**
 * The signer line of an article on the pages: who signed it (this node, one of its peers by
 * name, or a key this node does not know), with the key's fingerprint, or that it is
 * unsigned. One function for the one-article view and the thread view. Escapes what it shows.
 */
import type { SignedBy } from '../protocol/api';
import { escapeHtml } from './text';

export function signerHtml(s: SignedBy | null): string {
  if (s === null) return '<p class="signer unsigned" data-signer="">Unsigned: no node key vouches for this article</p>';
  const fp = `<code class="fingerprint">${escapeHtml(s.fingerprint)}</code>`;
  const who = s.self
    ? `this node (<b>${escapeHtml(s.name ?? '')}</b>)`
    : s.peer
      ? `<b>${escapeHtml(s.name ?? '')}</b>, one of this node's peers`
      : 'a node that is not one of this node\'s peers';
  const kind = s.self ? 'self' : s.peer ? 'peer' : 'stranger';
  return `<p class="signer signed ${kind}" data-signer="${escapeHtml(s.fingerprint)}">Signed by ${who} · key ${fp}</p>`;
}
