/**
 * The three signatures of the handshake (docs/protocol.md, "Key proof"): the answering node
 * signs the caller's nonce in its challenge reply and in its hello reply, the caller signs the
 * answering node's challenge, both URLs and the time in its hello. Each builder and checker
 * pairs the canonical bytes of protocol/hello-proof.ts with Ed25519.
 */
import { challengeProofBytes, helloProofBytes, helloReplyProofBytes, type ChallengeProofFields, type HelloProofFields, type HelloReplyProofFields } from '../../protocol/hello-proof';
import type { NodeKey } from './node-key';
import { verifyBytes } from './signing';

export const signHello = (me: NodeKey, f: HelloProofFields): string => me.sign(helloProofBytes(f));
export const helloSigValid = (f: HelloProofFields, sig: string): boolean => verifyBytes(f.key, helloProofBytes(f), sig);

export const signHelloReply = (me: NodeKey, f: HelloReplyProofFields): string => me.sign(helloReplyProofBytes(f));
export const helloReplySigValid = (f: HelloReplyProofFields, sig: string): boolean => verifyBytes(f.key, helloReplyProofBytes(f), sig);

export const signChallenge = (me: NodeKey, f: ChallengeProofFields): string => me.sign(challengeProofBytes(f));
export const challengeSigValid = (f: ChallengeProofFields, sig: string): boolean => verifyBytes(f.key, challengeProofBytes(f), sig);
