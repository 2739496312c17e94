import { classifyIp } from '../../node/net/address-class';
import { AddressLimiter, clientKey } from '../../node/net/address-limiter';
import { ManualClock } from '../helpers/manual-clock';

describe('address classes a node never dials on a stranger\'s word', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:192.168.1.1', 'private'],
    ['fd00::1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyIp(ip)).toBe(cls);
  });

  it('is null for host names', () => {
    expect(classifyIp('localhost')).toBeNull();
    expect(classifyIp('example.org')).toBeNull();
  });
});

describe('per-address handshake limit', () => {
  it('groups IPv6 clients by /64 and unwraps IPv4-mapped addresses', () => {
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe(clientKey('2001:db8:1:2:ffff::1'));
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(clientKey('10.0.0.1')).toBe('10.0.0.1');
  });

  it('allows a burst, then refuses with a wait that doubles while the client keeps asking', () => {
    const clock = new ManualClock(0);
    const lim = new AddressLimiter(clock, { burst: 3, perMinute: 6, penaltyBaseMs: 1_000, penaltyCapMs: 60_000, maxAddresses: 100 });
    expect([lim.take('1.2.3.4'), lim.take('1.2.3.4'), lim.take('1.2.3.4')]).toEqual([0, 0, 0]);
    const waits = [lim.take('1.2.3.4'), lim.take('1.2.3.4'), lim.take('1.2.3.4'), lim.take('1.2.3.4')];
    expect(waits[0]).toBeGreaterThanOrEqual(10_000); // a token takes 10 s to come back
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]);
    expect(waits[3]).toBeGreaterThan(waits[0]);
    expect(lim.take('5.6.7.8')).toBe(0); // others are not affected
    clock.advance(waits[3]);
    expect(lim.take('1.2.3.4')).toBe(0); // a client that waited as told gets through
  });

  it('forgets the least recently seen addresses past its bound', () => {
    const clock = new ManualClock(0);
    const lim = new AddressLimiter(clock, { burst: 1, perMinute: 1, penaltyBaseMs: 1_000, penaltyCapMs: 60_000, maxAddresses: 2 });
    expect(lim.take('1.1.1.1')).toBe(0);
    expect(lim.take('1.1.1.1')).toBeGreaterThan(0);
    lim.take('2.2.2.2');
    lim.take('3.3.3.3');
    expect(lim.take('1.1.1.1')).toBe(0); // forgotten: a fresh bucket
  });
});
