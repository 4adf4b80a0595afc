import assert from 'node:assert/strict';
import { it } from 'mocha';
import { webauthnOriginProblem } from './usable-origin.ts';
import { checkWebAuthnOrigin } from './method.ts';
import { loadConfig } from '../../config/load.ts';
import { scratchDir } from '../../../test/support/temp.ts';

// Settings under which browsers refuse every WebAuthn ceremony, named at start with what to use.

it('an IP address as the base URL is named, with localhost offered instead', () => {
  assert.equal(
    webauthnOriginProblem({}, 'http://127.0.0.1:8080'),
    "server.baseUrl is http://127.0.0.1:8080, an IP address, where browsers refuse passkeys and security keys: use a host name instead, such as http://localhost:8080 on this machine or the server's DNS name",
  );
  assert.match(
    webauthnOriginProblem({}, 'https://[::1]:8443') ?? '',
    /^server\.baseUrl is https:\/\/\[::1\]:8443, an IP address/,
  );
});

it('plain http on a host other than localhost is named, with the https URL to use', () => {
  assert.equal(
    webauthnOriginProblem({}, 'http://idp.example.com:8080'),
    'server.baseUrl is http://idp.example.com:8080: browsers allow passkeys and security keys only over https (or on localhost): use https://idp.example.com:8080 (server.tls, or a TLS proxy)',
  );
});

it('an RP ID that is not the host or a domain it is in is named, with the ones that work', () => {
  assert.equal(
    webauthnOriginProblem({ rpId: 'example.org' }, 'https://idp.example.com'),
    'webauthn.rpId is "example.org", which is not the host of server.baseUrl (idp.example.com) nor a domain it is in: use idp.example.com or example.com, or leave webauthn.rpId unset',
  );
  assert.match(
    webauthnOriginProblem({ rpId: 'com' }, 'https://idp.example.com') ?? '',
    /^webauthn\.rpId is "com"/,
    'a top-level domain is no RP ID',
  );
});

it('settings that work: localhost over http, https with its own host or a parent domain', () => {
  assert.equal(webauthnOriginProblem({}, 'http://localhost:8080'), undefined);
  assert.equal(webauthnOriginProblem({}, 'http://latch.localhost:8080'), undefined);
  assert.equal(webauthnOriginProblem({}, 'https://idp.example.com'), undefined);
  assert.equal(webauthnOriginProblem({ rpId: 'example.com' }, 'https://idp.example.com'), undefined);
  assert.equal(webauthnOriginProblem({ rpId: 'idp.example.com' }, 'https://idp.example.com'), undefined);
});

it('at start, the warning names the setting and says that passkeys and security keys are off', () => {
  const warnings: Array<[Record<string, unknown>, string]> = [];
  const log = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push([fields, message]) };
  const config = loadConfig({
    env: { LATCH_BASE_URL: 'http://127.0.0.1:8080', LATCH_DATA_DIR: scratchDir('latch-data-') },
  });
  assert.equal(checkWebAuthnOrigin(config, log), false);
  assert.deepEqual(warnings, [
    [
      { setting: 'server.baseUrl' },
      `passkeys and security keys are turned off: ${webauthnOriginProblem({}, 'http://127.0.0.1:8080')}`,
    ],
  ]);
  assert.equal(
    checkWebAuthnOrigin(
      loadConfig({ env: { LATCH_BASE_URL: 'http://localhost:8080', LATCH_DATA_DIR: scratchDir('latch-data-') } }),
      log,
    ),
    true,
  );
  assert.equal(warnings.length, 1);
});
