import { it } from 'mocha';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreAdapter, storeAdapterFactory } from './adapter.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStore } from '../../../test/support/memory-store.ts';
import { openSqliteStore } from '../../store/sqlite.ts';
import type { Store } from '../../store/contract.ts';

// The adapter's behaviour, as oidc-provider relies on it, against the Map-based test store and
// the real SQLite backend (the Redis backend passes the same Store contract tests).

export function adapterCases(name: string, makeStore: () => Promise<Store>): void {
  const withStore = (title: string, fn: (store: Store, adapter: (model: string) => StoreAdapter) => Promise<void>) =>
    it(`${name}: ${title}`, async () => {
      const store = await makeStore();
      try {
        await fn(store, storeAdapterFactory(store, { grantArtifactTtlMs: 3_600_000 }));
      } finally {
        await store.close();
      }
    });

  withStore('upsert then find returns the payload; unknown ids find nothing', async (_store, adapter) => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c1', { jti: 'c1', grantId: 'g1', kind: 'AuthorizationCode', scope: 'openid' }, 60);
    assert.deepEqual(await codes.find('c1'), { jti: 'c1', grantId: 'g1', kind: 'AuthorizationCode', scope: 'openid' });
    assert.equal(await codes.find('nope'), undefined);
    assert.equal(await adapter('AccessToken').find('c1'), undefined, 'models do not share ids');
  });

  withStore('a payload expires after expiresIn seconds', async (_store, adapter) => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('short', { jti: 'short' }, 0.05);
    assert.ok(await codes.find('short'));
    await sleep(120);
    assert.equal(await codes.find('short'), undefined);
  });

  withStore('findByUid finds a session by its uid, and not after destroy', async (store, adapter) => {
    const sessions = adapter('Session');
    await sessions.upsert('s1', { jti: 's1', uid: 'u1', accountId: 'alice' }, 3600);
    assert.equal((await sessions.findByUid('u1'))?.accountId, 'alice');
    await sessions.destroy('s1');
    assert.equal(await sessions.findByUid('u1'), undefined);
    assert.equal(await store.get('oidc:SessionUid:u1'), undefined, 'the uid pointer goes with the session');
  });

  withStore('findByUserCode finds a device code by its user code', async (_store, adapter) => {
    const devices = adapter('DeviceCode');
    await devices.upsert('d1', { jti: 'd1', userCode: 'ABCD-EFGH', grantId: 'g1' }, 600);
    assert.equal((await devices.findByUserCode('ABCD-EFGH'))?.jti, 'd1');
    assert.equal(await devices.findByUserCode('ZZZZ-ZZZZ'), undefined);
  });

  withStore('consume marks the artifact consumed and keeps its expiry', async (store, adapter) => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c1', { jti: 'c1', grantId: 'g1' }, 60);
    await codes.consume('c1');
    const found = await codes.find('c1');
    assert.equal(typeof found?.consumed, 'number');
    const ttl = await store.ttl('oidc:AuthorizationCode:c1');
    assert.ok(ttl !== undefined && ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
  });

  withStore('consuming twice is refused with invalid_grant and revokes the grant', async (_store, adapter) => {
    const codes = adapter('AuthorizationCode');
    const tokens = adapter('AccessToken');
    await codes.upsert('c1', { jti: 'c1', grantId: 'g1' }, 60);
    await tokens.upsert('a1', { jti: 'a1', grantId: 'g1' }, 3600);
    await codes.consume('c1');
    await assert.rejects(codes.consume('c1'), (err: Error & { error?: string }) => err.error === 'invalid_grant');
    assert.equal(await tokens.find('a1'), undefined);
  });

  withStore('two racing consumes: exactly one wins', async (_store, adapter) => {
    const tokens = adapter('RefreshToken');
    await tokens.upsert('r1', { jti: 'r1', grantId: 'g1' }, 3600);
    const results = await Promise.allSettled([tokens.consume('r1'), tokens.consume('r1')]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  });

  withStore('revokeByGrantId removes every artifact of that grant and nothing else', async (store, adapter) => {
    await adapter('AuthorizationCode').upsert('c1', { jti: 'c1', grantId: 'g1' }, 60);
    await adapter('AccessToken').upsert('a1', { jti: 'a1', grantId: 'g1' }, 3600);
    await adapter('RefreshToken').upsert('r1', { jti: 'r1', grantId: 'g1' }, 86400);
    await adapter('AccessToken').upsert('a2', { jti: 'a2', grantId: 'g2' }, 3600);
    await adapter('AccessToken').revokeByGrantId('g1');
    assert.equal(await adapter('AuthorizationCode').find('c1'), undefined);
    assert.equal(await adapter('AccessToken').find('a1'), undefined);
    assert.equal(await adapter('RefreshToken').find('r1'), undefined);
    assert.equal((await adapter('AccessToken').find('a2'))?.jti, 'a2');
    const ttl = await store.ttl('oidc:RevokedGrant:g1');
    assert.ok(
      ttl !== undefined && ttl > 3_590_000 && ttl <= 3_600_000,
      `the revocation lasts as long as a token could (ttl ${ttl})`,
    );
  });

  withStore(
    'issuing under a grant writes nothing but the artifact (no per-grant list to rewrite)',
    async (store, adapter) => {
      await adapter('AccessToken').upsert('a1', { jti: 'a1', grantId: 'g1' }, 3600);
      await adapter('RefreshToken').upsert('r1', { jti: 'r1', grantId: 'g1' }, 3600);
      if (store instanceof MemoryStore)
        assert.deepEqual(store.keys().sort(), ['oidc:AccessToken:a1', 'oidc:RefreshToken:r1']);
      assert.equal(await store.get('oidc:RevokedGrant:g1'), undefined);
    },
  );

  withStore('destroy removes the payload and its pointers', async (store, adapter) => {
    const tokens = adapter('AccessToken');
    await tokens.upsert('a1', { jti: 'a1', grantId: 'g1' }, 3600);
    await tokens.destroy('a1');
    assert.equal(await tokens.find('a1'), undefined);
    await tokens.destroy('never-existed');
    const devices = adapter('DeviceCode');
    await devices.upsert('d1', { jti: 'd1', userCode: 'ABCD-EFGH', grantId: 'g1' }, 600);
    await devices.destroy('d1');
    assert.equal(await store.get('oidc:UserCode:ABCD-EFGH'), undefined);
  });

  withStore('consume keeps the expiry given by the payload (exp)', async (store, adapter) => {
    const codes = adapter('AuthorizationCode');
    const exp = Math.floor(Date.now() / 1000) + 30;
    await codes.upsert('c1', { jti: 'c1', grantId: 'g1', exp }, 30);
    await codes.consume('c1');
    const ttl = await store.ttl('oidc:AuthorizationCode:c1');
    assert.ok(ttl !== undefined && ttl > 28_000 && ttl <= 30_000, `ttl ${ttl}`);
  });

  withStore(
    'a session saved again unchanged (only exp and iat move) is not rewritten; a changed one is',
    async (store, adapter) => {
      const sessions = adapter('Session');
      await sessions.upsert('s1', { jti: 's1', uid: 'u1', accountId: 'alice', loginTs: 100, iat: 1, exp: 1000 }, 3600);
      const first = await store.getVersioned('oidc:Session:s1');
      await sessions.upsert('s1', { jti: 's1', uid: 'u1', accountId: 'alice', loginTs: 100, iat: 2, exp: 2000 }, 3600);
      assert.equal((await store.getVersioned('oidc:Session:s1'))?.version, first?.version, 'no write');
      await sessions.upsert('s1', { jti: 's1', uid: 'u1', accountId: 'alice', loginTs: 200, iat: 3, exp: 3000 }, 3600);
      assert.equal((await sessions.find('s1'))?.loginTs, 200, 'a new sign-in is written');
      assert.equal((await sessions.findByUid('u1'))?.loginTs, 200);
    },
  );

  withStore('upsert without expiresIn keeps the payload without expiry', async (store, adapter) => {
    await adapter('Client').upsert('client-1', { client_id: 'client-1' });
    assert.equal(await store.ttl('oidc:Client:client-1'), undefined);
    assert.equal((await adapter('Client').find('client-1'))?.client_id, 'client-1');
  });

  withStore(
    "a model outside the declared list is refused (its keys could collide with the adapter's own)",
    async (_store, adapter) => {
      assert.throws(
        () => adapter('SessionUid'),
        /unknown model "SessionUid"; add it to OIDC_MODELS in src\/store\/records.ts/,
      );
    },
  );
}

adapterCases('memory store', async () => new MemoryStore());
adapterCases('sqlite store', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'latch-oidc-adapter-'));
  const store = await openSqliteStore({ file: path.join(dir, 'latch.sqlite') });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return store;
});
