import { it } from 'mocha';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig, ConfigError } from './load.ts';

function load(oidc: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), 'latch-oidc-config-'));
  try {
    const file = path.join(dir, 'latch.yaml');
    writeFileSync(file, YAML.stringify({ oidc }));
    return loadConfig({ file, env: {}, cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function problems(oidc: unknown): string[] {
  try {
    load(oidc);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

const secret = 'x'.repeat(32);
const ttl = { authorizationCode: '60s', accessToken: '1h', idToken: '1h', refreshToken: '14d', grant: '14d' };

it('defaults: no clients, token lifetimes in milliseconds', () => {
  const config = loadConfig({ env: {}, file: undefined });
  assert.deepEqual(config.oidc.clients, []);
  assert.equal(config.oidc.ttl.authorizationCode, 60_000);
  assert.equal(config.oidc.ttl.refreshToken, 14 * 86_400_000);
});

it('a confidential and a public client are accepted, with defaults filled in', () => {
  const config = load({
    clients: [
      { client_id: 'wiki', client_secret: secret, redirect_uris: ['https://wiki.test/cb'] },
      { client_id: 'spa', public: true, redirect_uris: ['http://127.0.0.1:3000/cb'], firstParty: false },
    ],
  });
  const [wiki, spa] = config.oidc.clients;
  assert.equal(wiki?.id_token_signed_response_alg, 'RS256');
  assert.equal(wiki?.public, false);
  assert.equal(wiki?.firstParty, true);
  assert.deepEqual(wiki?.post_logout_redirect_uris, []);
  assert.equal(spa?.public, true);
  assert.equal(config.oidc.ttl.accessToken, 3_600_000, 'ttl keeps the defaults when only clients are given');
});

it('errors name the key, the value and what is expected', () => {
  const found = problems({
    clients: [
      { client_id: 'a', redirect_uris: ['https://a.test/cb'] },
      { client_id: 'b', public: true, client_secret: secret, redirect_uris: ['not a url'] },
      {
        client_id: 'a',
        client_secret: secret,
        redirect_uris: ['https://a.test/cb#frag'],
        id_token_signed_response_alg: 'HS256',
      },
      {
        client_id: 'c',
        token_endpoint_auth_method: 'private_key_jwt',
        redirect_uris: ['https://c.test/cb'],
        colour: 'red',
      },
    ],
    ttl: { ...ttl, accessToken: 'soon' },
  });
  const expected = [
    /^oidc\.clients\.0\.client_secret: client_secret_basic needs exactly one of client_secret or secretFile/,
    /^oidc\.clients\.1\.redirect_uris\.0: expected an absolute URL without a fragment \(got "not a url"\)/,
    /^oidc\.clients\.1\.client_secret: a secret is not used with none: remove it/,
    /^oidc\.clients\.2\.redirect_uris\.0: expected an absolute URL without a fragment \(got "https:\/\/a\.test\/cb#frag"\)/,
    /^oidc\.clients\.2\.id_token_signed_response_alg: .*"RS256".*"ES256".* \(got "HS256"\)/,
    /^oidc\.clients\.2\.client_id: duplicate of clients\.0\.client_id \(got "a"\)/,
    /^oidc\.clients\.3\.colour: unknown key/,
    /^oidc\.ttl\.accessToken: expected a duration such as "90s".* \(got "soon"\)/,
  ];
  for (const pattern of expected)
    assert.ok(
      found.some((p) => pattern.test(p)),
      `missing ${pattern}\nin:\n${found.join('\n')}`,
    );
});

it('private_key_jwt needs keys; a short secret is refused', () => {
  const found = problems({
    clients: [
      { client_id: 'k', token_endpoint_auth_method: 'private_key_jwt', redirect_uris: ['https://k.test/cb'] },
      { client_id: 's', client_secret: 'short', redirect_uris: ['https://s.test/cb'] },
    ],
  });
  assert.ok(
    found.some((p) => p.startsWith('oidc.clients.0.jwks: private_key_jwt needs exactly one of jwks or jwks_uri')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('oidc.clients.1.client_secret: expected a secret of at least 32 characters')),
    found.join('\n'),
  );
});
