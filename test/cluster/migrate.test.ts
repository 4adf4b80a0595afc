import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { after, describe, it } from 'mocha';
import pg from 'pg';
import { runLatch, writeConfig } from '../support/commands.ts';
import { HttpClient } from '../support/http-client.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { startPostgres } from '../support/postgres-server.ts';
import { scratchDir } from '../support/temp.ts';

// An existing single node (SQLite, keys in its data directory) becomes a two-node cluster on
// PostgreSQL with the one documented command, `npx latch keys migrate --from DATA_DIR`: users stay
// signed in, service providers keep the signing certificate they trust, secrets are sealed.

const PASSWORD = 'migrate-password-1';
const running: LatchProcess[] = [];
const server = await startPostgres();
after(async () => {
  for (const latch of running) await latch.stop();
  await server.stop();
});

async function facts(url: string) {
  const cert = new X509Certificate(await (await fetch(`${url}/saml2/idp/certificate`)).text()).fingerprint256;
  const jwks = (await (await fetch(`${url}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
  return { cert, kids: jwks.keys.map((k) => k.kid).sort() };
}

describe('moving a single node to a cluster', () => {
  it('latch keys migrate: the same sessions, signing keys and secrets on every new node', async function () {
    this.timeout(120_000);
    const single = await startTestLatch({ run: 'process', users: [{ username: 'alice', password: PASSWORD }] });
    running.push(single);
    const browser = new HttpClient(single.url);
    await browser.signIn('alice', PASSWORD);
    assert.match((await browser.get('/')).text, /Signed in as alice/);
    const before = await facts(single.url);
    await single.stop();
    running.pop();

    const dir = scratchDir('latch-migrate-');
    const masterKeyFile = path.join(dir, 'master.key');
    const shared = {
      store: { type: 'postgres', postgres: { url: server.url } },
      keys: { masterKeyFile },
      directory: { local: { file: single.config.directory.local.file } },
    };
    const env = {
      PATH: process.env.PATH ?? '',
      LATCH_CONFIG: writeConfig(dir, { ...shared, dataDir: path.join(dir, 'data') }),
    };
    assert.equal((await runLatch(['keys', 'init-master', masterKeyFile], { env })).code, 0);
    const migrated = await runLatch(['keys', 'migrate', '--from', single.dataDir], { env });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /copied \d+ records and \d+ index entries into the postgres store/);
    assert.match(migrated.stdout, /signing keys: 4 keys of .* now in the store \(key ids unchanged\)/);
    assert.match(migrated.stdout, /secret:server: sealed under the master key/);

    const nodes = await Promise.all(
      [1, 2].map(async () => {
        const node = await startTestLatch({ run: 'process', baseUrl: single.url, config: shared });
        running.push(node);
        return node;
      }),
    );
    for (const node of nodes) {
      assert.deepEqual(await facts(node.url), before, `${node.url} signs with the single node's keys`);
      const same = new HttpClient(node.url);
      for (const [name, value] of browser.cookies) same.cookies.set(name, value);
      assert.match(
        (await same.get('/')).text,
        /Signed in as alice/,
        'the session cookie of the single node still works',
      );
    }

    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ key: string; value: string }>(
        "SELECT key, value FROM latch.kv WHERE key IN ('secret:server', 'keys:signing', 'saml:persistent-id-secret')",
      );
      assert.equal(rows.length, 3);
      for (const row of rows) assert.match(row.value, /^\{"sealed":"v1\./, `${row.key} is sealed at rest`);
    } finally {
      await client.end();
    }
    const again = await runLatch(['keys', 'migrate', '--from', single.dataDir], { env });
    assert.match(again.stdout, /signing keys: already in the store, left as they are/);
    assert.match(again.stdout, /\(\d+ already there, left as they were\)/);
  });
});
