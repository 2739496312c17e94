/**
 * The benchmark sections, in run order. Each is `() => Promise<figures>`; every section
 * bounds its own load in count and time and uses only loopback.
 */
import { ingestSection } from './ingest';
import { apiSection } from './api';
import { startupSection } from './startup';
import { webSection } from './web';
import { mirrorSection } from './mirror';
import { swarmSection } from './swarm';
import { gossipLinkSection } from './gossip-link';
import { gossipGraphSection } from './gossip-graph';
import { readingSection } from './reading';
import { archiveSection } from './archive';
import { securitySection } from './security';
import { nntpSection } from './nntp';
import { signedSection } from './signed';
import { expirySection } from './expiry';

export type Section = () => Promise<Record<string, unknown>>;

export const sections: Record<string, Section> = {
  ingest: ingestSection,
  api: apiSection,
  startup: startupSection,
  web: webSection,
  mirror: mirrorSection,
  swarm: swarmSection,
  archive: archiveSection,
  gossipLink: gossipLinkSection,
  gossipGraph: gossipGraphSection,
  security: securitySection,
  reading: readingSection,
  nntp: nntpSection,
  signed: signedSection,
  expiry: expirySection,
};
