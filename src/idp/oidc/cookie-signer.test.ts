import { it } from 'mocha';
import assert from 'node:assert/strict';
import { CookieSigner } from './cookie-signer.ts';

it('a signature verifies with its key and data, and with nothing else', () => {
  const signer = new CookieSigner(['key one']);
  const digest = signer.sign('latch_oidc_session=abc');
  assert.equal(signer.verify('latch_oidc_session=abc', digest), true);
  assert.equal(signer.verify('latch_oidc_session=abd', digest), false);
  assert.equal(signer.verify('latch_oidc_session=abc', digest.slice(0, -1)), false);
  assert.equal(new CookieSigner(['key two']).verify('latch_oidc_session=abc', digest), false);
});

it('the first key signs; older keys still verify (rotation)', () => {
  const old = new CookieSigner(['old key']);
  const rotated = new CookieSigner(['new key', 'old key']);
  assert.equal(rotated.index('v=1', old.sign('v=1')), 1);
  assert.equal(rotated.index('v=1', rotated.sign('v=1')), 0);
  assert.equal(rotated.index('v=1', 'forged'), -1);
});
