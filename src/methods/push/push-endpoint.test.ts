import assert from 'node:assert/strict';
import { it } from 'mocha';
import { hostAllowed, isPublicAddress } from './push-endpoint.ts';

it('only public unicast addresses count as public, IPv4 inside IPv6 included', () => {
  const inside = [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '192.0.2.1',
    '::',
    '::1',
    'fe80::1',
    'fe80::1%eth0',
    'fd00::5',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '2001:db8::1',
    '2002:7f00:1::1',
    '2001::1',
    '100::1',
    'not-an-address',
  ];
  const outside = [
    '8.8.8.8',
    '142.250.185.74',
    '172.32.0.1',
    '2a00:1450:4001:82b::200a',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ];
  assert.deepEqual(inside.filter(isPublicAddress), []);
  assert.deepEqual(
    outside.filter((a) => !isPublicAddress(a)),
    [],
  );
});

it('an allowed host covers itself and its subdomains, not names that merely end the same way', () => {
  const allowed = ['push.apple.com', 'notify.windows.com'];
  assert.ok(hostAllowed('push.apple.com', allowed));
  assert.ok(hostAllowed('web.push.apple.com', allowed));
  assert.ok(hostAllowed('wns2-par02p.notify.windows.com', allowed));
  assert.ok(!hostAllowed('evilpush.apple.com', allowed));
  assert.ok(!hostAllowed('push.apple.com.example.com', allowed));
  assert.ok(!hostAllowed('apple.com', allowed));
});
