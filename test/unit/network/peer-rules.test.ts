import * as fc from 'fast-check';
import { NetworkPeer, strictlyWithin } from '../../../src/network/network-peer';

const problems = (peer: NetworkPeer) => peer._validate().map((p) => `${p.property}: ${p.rule}`);

describe('ipBlock excepts lie strictly inside the block; peer namespaces are namespace names', () => {
  test.each([
    ['10.0.0.0/8', '192.168.0.0/16'], // outside
    ['10.0.0.0/8', '10.0.0.0/8'], // the whole block
    ['10.0.0.0/16', '10.0.0.0/8'], // larger
    ['10.0.0.0/8', 'fd00::/64'], // another family
    ['fd00::/16', 'fe80::/64'],
  ])('%s except %s is rejected', (cidr, except) => expect(problems(NetworkPeer.ipBlock(cidr, [except])).join()).toMatch(/ipBlock.except: must lie strictly inside/));

  test.each([
    ['10.0.0.0/8', '10.1.0.0/16'],
    ['0.0.0.0/0', '169.254.169.254/32'],
    ['fd00::/16', 'fd00:1::/32'],
    ['::/0', 'fe80::1/128'],
  ])('%s except %s is accepted', (cidr, except) => expect(problems(NetworkPeer.ipBlock(cidr, [except]))).toEqual([]));

  test('property: any /32 inside a /16 is inside, any /32 outside is not', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (second, c, d) =>
      strictlyWithin(`10.${second}.${c}.${d}/32`, '10.7.0.0/16') === (second === 7)));
  });

  test.each(['Team_A', 'team.a', '-team', 'a'.repeat(64)])('namespace %j is rejected', (namespace) => {
    expect(problems(NetworkPeer.pods({ app: 'api' }, namespace)).join()).toMatch(/namespace: must be a DNS-1123 label|namespace: must be at most 63/);
  });
  test('a namespace of exactly 63 characters is accepted', () => expect(problems(NetworkPeer.pods({ app: 'api' }, 'a'.repeat(63)))).toEqual([]));
});
