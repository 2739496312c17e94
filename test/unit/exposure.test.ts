/**
 * What the node says at start about its peer port: who can reach it and what they may do,
 * and a warning when the peer URL it gives out is the wildcard address.
 */
import { describeExposure, type ExposureInput } from '../../node/exposure';

const base: ExposureInput = { listen: { host: '0.0.0.0', port: 9119 }, boundUrl: 'http://0.0.0.0:9119', acceptPeers: 'open', publicRead: 'on', addresses: ['192.168.1.5', 'fd00::5'] };

describe('peer port exposure', () => {
  it('says an open wildcard port is open to the world, and warns that its URL is no address', () => {
    expect(describeExposure(base)).toEqual({
      open: true,
      summary: 'the peer port http://0.0.0.0:9119 is open on every network this machine is on: any node may peer with it (--accept-peers open); anyone may read every group archive (--public-read on)',
      peerUrlWarning:
        'the peer URL http://0.0.0.0:9119 is the wildcard address, which other nodes cannot use: start with --public-url set to the address they reach this node at (this machine has http://192.168.1.5:9119, http://[fd00::5]:9119)',
    });
  });

  it('has no URL warning with --public-url or a named host, and is not open on loopback', () => {
    expect(describeExposure({ ...base, publicUrl: 'http://news.example.org:9119' }).peerUrlWarning).toBeUndefined();
    expect(describeExposure({ ...base, listen: { host: '192.168.1.5', port: 9119 }, boundUrl: 'http://192.168.1.5:9119' })).toMatchObject({ open: true, summary: expect.stringMatching(/^the peer port http:\/\/192\.168\.1\.5:9119 is open to the network of 192\.168\.1\.5: /) });
    const local = describeExposure({ ...base, listen: { host: '127.0.0.1', port: 9119 }, boundUrl: 'http://127.0.0.1:9119' });
    expect(local).toEqual({ open: false, summary: expect.stringMatching(/^only this machine can reach the peer port http:\/\/127\.0\.0\.1:9119: /) });
    expect(describeExposure({ ...base, acceptPeers: 'approve', publicRead: 'peers' })).toMatchObject({ open: false, summary: expect.stringContaining('you approve them (--accept-peers approve); only peers may read group archives (--public-read peers)') });
    expect(describeExposure({ ...base, addresses: [] }).peerUrlWarning).toMatch(/set to the address they reach this node at$/);
  });
});
