import { it } from 'mocha';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../test/support/memory-store.ts';
import { TrustedBrowsers } from './trusted-browsers.ts';

it('a browser trusted for passwordless push stays trusted only for that user and that phone', async () => {
  const trusted = new TrustedBrowsers(new MemoryStore(), 60_000);
  await trusted.trust('browser-1', 'alice', 'phone-1');
  assert.equal(await trusted.isTrusted('browser-1', 'alice', 'phone-1'), true);
  assert.equal(await trusted.isTrusted('browser-2', 'alice', 'phone-1'), false, 'another browser');
  assert.equal(await trusted.isTrusted('browser-1', 'bob', 'phone-1'), false, 'another user');
  assert.equal(await trusted.isTrusted(undefined, 'alice', 'phone-1'), false, 'no known-device cookie');
  assert.equal(
    await trusted.isTrusted('browser-1', 'alice', 'phone-2'),
    false,
    'a new phone starts with the code again',
  );
});
