import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'mocha';
import { MemoryStore } from '../../test/support/memory-store.ts';
import type { Namespace, Part } from './record-kinds.ts';
import { records } from './records.ts';

// The list of everything in the store: no two namespaces can produce the same key, every key is
// built exactly as Latch has always written it (existing data keeps working), and each namespace
// is named by its owner only.

const SRC = path.resolve(import.meta.dirname, '..');

/** Which space a namespace's names live in: the backends keep keys, indexes, streams and channels apart. */
function spaceOf(namespace: Namespace): string {
  return namespace.kind === 'counter' ? 'value' : namespace.kind;
}

interface Template {
  name: string;
  /** The literal start of every key of the namespace. */
  text: string;
  /** True when anything may follow `text` (a free part comes next); false for an exact key. */
  open: boolean;
}

/** Every literal start of a namespace's keys: parts from a closed set are spelled out, up to the first free part. */
function templates(name: string, namespace: Namespace): Template[] {
  if (namespace.kind === 'stream' || namespace.kind === 'channel') return [{ name, text: namespace.name, open: false }];
  let found: Template[] = [{ name, text: namespace.prefix, open: false }];
  for (const part of namespace.parts as readonly Part[]) {
    if (typeof part === 'string') return found.map((t) => ({ ...t, text: `${t.text}:`, open: true }));
    found = found.flatMap((t) => part.oneOf.map((choice) => ({ ...t, text: `${t.text}:${choice}` })));
  }
  return found;
}

/** Two templates collide when some key could start with both (or be both). */
function collide(a: Template, b: Template): boolean {
  if (a.open && b.open) return a.text.startsWith(b.text) || b.text.startsWith(a.text);
  if (a.open) return b.text.startsWith(a.text);
  if (b.open) return a.text.startsWith(b.text);
  return a.text === b.text;
}

function collisions(declared: Record<string, Namespace>): string[] {
  const bySpace = new Map<string, Template[]>();
  for (const [name, namespace] of Object.entries(declared)) {
    const space = bySpace.get(spaceOf(namespace)) ?? [];
    space.push(...templates(name, namespace));
    bySpace.set(spaceOf(namespace), space);
  }
  const found: string[] = [];
  for (const space of bySpace.values()) {
    space.forEach((a, i) => {
      for (const b of space.slice(i + 1)) {
        if (collide(a, b)) found.push(`${a.name} (${a.text}) and ${b.name} (${b.text})`);
      }
    });
  }
  return found;
}

const all: Record<string, Namespace> = records;

describe('store records', () => {
  it('no two namespaces can produce the same key, index, stream or channel name', () => {
    assert.deepEqual(collisions(all), []);
  });

  it('the collision check sees duplicates and prefixes, and reads closed sets', () => {
    const { session, sessionsOfUser, oidcArtifact, oidcSessionOfUid, serverSecret, authLog } = records;
    assert.deepEqual(collisions({ a: session, b: { ...session } }), ['a (session:) and b (session:)']);
    const longer = { ...session, prefix: 'session:user' };
    assert.deepEqual(collisions({ a: session, b: longer }), ['a (session:) and b (session:user:)']);
    const exact = { ...serverSecret, prefix: 'session:x' };
    assert.deepEqual(collisions({ a: session, b: exact }), ['a (session:) and b (session:x)']);
    const index = { ...sessionsOfUser, prefix: 'session' };
    assert.deepEqual(collisions({ a: session, b: index }), [], 'indexes are a space of their own');
    assert.deepEqual(collisions({ a: oidcArtifact, b: oidcSessionOfUid }), []);
    assert.deepEqual(
      collisions({ a: { ...oidcArtifact, parts: ['model', 'id'] }, b: oidcSessionOfUid }),
      ['a (oidc:) and b (oidc:SessionUid:)'],
      "a free model part would swallow the adapter's own keys",
    );
    assert.deepEqual(collisions({ a: authLog, b: { ...authLog } }), ['a (authlog) and b (authlog)']);
  });

  it('builds every key exactly as stored data has it', () => {
    const keys: Record<string, string> = {};
    for (const [name, namespace] of Object.entries(all)) {
      if (namespace.kind === 'stream' || namespace.kind === 'channel') keys[name] = namespace.name;
      else keys[name] = exampleKey(namespace.prefix, namespace.parts);
    }
    assert.deepEqual(keys, {
      transaction: 'tx:<id>',
      knownDevice: 'known-device:<deviceId>',
      rememberedDevice: 'remembered:<deviceId>:<userId>',
      userBrowser: 'user-browser:<userId>:<deviceId>',
      factorSummary: 'factor-summary:<userId>',
      browsersOfUser: 'user-browsers:<userId>',
      accountAttempts: 'throttle:account:<accountHash>',
      addressAttempts: 'throttle:ip:<ip>',
      authApiIntegration: 'authapi-integration:<ikey>',
      authApiIntegrations: 'authapi-integrations',
      authApiSignatureSeen: 'authapi-signature:<ikey>:<signatureHash>',
      universalPromptAssertion: 'authapi-up-jti:<clientId>:<jti>',
      universalPromptCode: 'authapi-up-code:<codeHash>',
      passwordCheckLock: 'throttle:password-check:<txId>',
      codeAttempts: 'throttle:codes:<userId>',
      authLog: 'authlog',
      lastSignIn: 'last-sign-in:<userId>',
      logTrimTurn: 'log-trim-turn:<stream>',
      consolePolicy: 'policy-console',
      consolePolicyChanges: 'policy-console-changes',
      passcode: 'passcode:<credentialId>',
      passcodesOfUser: 'passcodes:user:<userId>',
      oathTokens: 'passcodes:tokens',
      pendingApp: 'passcode-pending:<holder>',
      bypassCode: 'bypass:<userId>:<codeHash>',
      bypassCodesOfUser: 'bypass:user:<userId>',
      webauthnCredential: 'webauthn-credential:<credentialId>',
      webauthnCredentialsOfUser: 'webauthn-credentials-of:<userId>',
      webauthnHandleOfUser: 'webauthn-handle-of:<userId>',
      webauthnUserOfHandle: 'webauthn-user-of-handle:<handle>',
      webauthnChallenge: 'webauthn-challenge:<challenge>',
      passkeyOfferSkipped: 'webauthn-offer-skipped:<deviceId>:<userId>',
      pushDevice: 'push-device:<deviceId>',
      pushDeviceOfUser: 'push-user-device:<userId>',
      pushUserOfLogin: 'push-login:<login>',
      pushPasscodeUsed: 'push-totp-used:<userId>:<counter>',
      pushActivation: 'push-activation:<tokenHash>',
      pushEnrollLink: 'push-enroll-link:<txId>',
      pushRequest: 'push-request:<requestId>',
      pushPending: 'push-pending:<deviceId>',
      pushPaused: 'push-paused:<userId>',
      pushWrongCodes: 'push-wrong-code:<userId>',
      pushesSent: 'push-sent:<userId>',
      pushNonce: 'push-nonce:<deviceId>:<nonce>',
      pushTrustedBrowser: 'push-trusted:<browserId>:<userId>',
      vapidKeys: 'push-vapid-keys',
      pushDecisions: 'push-decisions',
      pushDevices: 'push-devices',
      serverSecret: 'secret:server',
      session: 'session:<sid>',
      sessionsOfUser: 'sessions-of:<userId>',
      signingKeys: 'keys:signing',
      signingKeysChanged: 'keys-changed',
      samlPersistentIdSecret: 'saml:persistent-id-secret',
      samlAuthnRequestSeen: 'saml:authnrequest:<spHash>:<requestId>',
      samlLogoutRequestSeen: 'saml:logoutrequest:<spHash>:<requestId>',
      samlLogoutChain: 'saml:logout:<chainId>',
      samlLogoutConfirmation: 'saml:logout-confirm:<requestId>',
      samlManagedSp: 'saml-sp:<key>',
      samlManagedSps: 'saml-sps',
      samlSpChanges: 'saml-sp-changes',
      oidcManagedClient: 'oidc-client:<clientId>',
      oidcManagedClients: 'oidc-clients',
      oidcClientChanges: 'oidc-client-changes',
      adminToken: 'admin-token:<tokenId>',
      adminTokenOfName: 'admin-token-name:<name>',
      adminTokens: 'admin-tokens',
      adminAudit: 'adminaudit',
      adminRoles: 'admin-roles',
      oidcArtifact: 'oidc:<model>:<id>',
      oidcSessionOfUid: 'oidc:SessionUid:<uid>',
      oidcArtifactOfUserCode: 'oidc:UserCode:<userCode>',
      oidcRevokedGrant: 'oidc:RevokedGrant:<grantId>',
    });
  });

  it('each namespace is named by its owner, and only there', () => {
    const named = new Map<string, Set<string>>();
    for (const file of sourceFiles(SRC)) {
      const relative = path.relative(SRC, file).split(path.sep).join('/');
      if (relative.startsWith('store/')) continue;
      for (const [, name] of fs.readFileSync(file, 'utf8').matchAll(/(?<![\w/.])records\.(\w+)\b(?!\.ts)/g)) {
        named.set(name!, (named.get(name!) ?? new Set()).add(relative));
      }
    }
    const wrong: string[] = [];
    for (const [name, files] of named) {
      const namespace = all[name];
      if (!namespace) wrong.push(`records.${name} (in ${[...files].join(', ')}) is not declared`);
      else if (files.size !== 1 || !files.has(namespace.owner)) {
        wrong.push(`records.${name} is owned by ${namespace.owner}, named in ${[...files].join(', ')}`);
      }
    }
    for (const [name, namespace] of Object.entries(all)) {
      if (!named.has(name)) wrong.push(`records.${name} is declared but ${namespace.owner} does not use it`);
    }
    assert.deepEqual(wrong, []);
  });

  it('accessors read and write through the store under those keys, with their TTLs', async () => {
    const store = new MemoryStore();
    const sessions = records.session.holding<{ sid: string; apps: Record<string, { name: string }> }>();
    await sessions.set(store, 's1', { sid: 's1', apps: {} }, { ttlMs: 60_000 });
    assert.deepEqual(await store.get('session:s1'), { sid: 's1', apps: {} });
    assert.ok(((await store.ttl('session:s1')) ?? 0) > 59_000);
    const found = await sessions.getVersioned(store, 's1');
    assert.ok(found);
    const changed = { sid: 's1', apps: { a: { name: 'A' } } };
    assert.equal(await sessions.compareAndSet(store, 's1', found.version, changed, { ttlMs: 1000 }), true);
    const stale = { sid: 's1', apps: {} };
    assert.equal(await sessions.compareAndSet(store, 's1', found.version, stale, { ttlMs: 1000 }), false);
    assert.deepEqual(await sessions.take(store, 's1'), changed);
    assert.equal(await store.get('session:s1'), undefined);

    const skipped = records.passkeyOfferSkipped.holding<true>();
    assert.equal(await skipped.createIfAbsent(store, { deviceId: 'd', userId: 'u' }, true, { ttlMs: 1000 }), true);
    assert.equal(await skipped.createIfAbsent(store, { deviceId: 'd', userId: 'u' }, true, { ttlMs: 1000 }), false);
    const secret = records.serverSecret.holding<string>();
    await secret.createIfAbsent(store, 'shh');
    assert.equal(await store.ttl('secret:server'), undefined, 'a "none" namespace is written without a TTL');
    const artifacts = records.oidcArtifact.holding<{ jti: string }>();
    await artifacts.set(store, { model: 'AccessToken', id: 'a1' }, { jti: 'a1' });
    assert.deepEqual(store.keys().sort(), ['oidc:AccessToken:a1', 'secret:server', 'webauthn-offer-skipped:d:u']);

    assert.equal(await records.codeAttempts.increment(store, 'u1', 1, { ttlMs: 1000 }), 1);
    assert.equal(await records.codeAttempts.increment(store, 'u1', 2, { ttlMs: 1000 }), 3);
    assert.equal(await store.get('throttle:codes:u1'), 3);
    await records.oathTokens.add(store, 'token:1');
    await records.sessionsOfUser.add(store, 'u1', 's1');
    assert.deepEqual(await store.listIndex('passcodes:tokens'), ['token:1']);
    assert.deepEqual(await records.sessionsOfUser.list(store, 'u1'), ['s1']);
    const log = records.authLog.holding<{ event: string }>();
    await log.append(store, { event: 'x' });
    assert.deepEqual(
      (await store.range('authlog')).map((e) => e.data),
      [{ event: 'x' }],
    );
  });

  it('types refuse what the store cannot keep, and keys and TTLs that do not fit', () => {
    const typeChecks = (store: MemoryStore) => {
      // @ts-expect-error a Date does not go through JSON unchanged
      records.session.holding<{ at: Date }>();
      // @ts-expect-error nor does a function
      records.session.holding<{ run: () => void }>();
      const sessions = records.session.holding<{ sid: string }>();
      // @ts-expect-error a namespace with ttlPolicy "required" is never written without a TTL
      void sessions.set(store, 's', { sid: 's' });
      // @ts-expect-error the value has the owner's type
      void sessions.set(store, 's', { id: 's' }, { ttlMs: 1 });
      const secret = records.serverSecret.holding<string>();
      // @ts-expect-error a namespace with ttlPolicy "none" takes no TTL
      void secret.createIfAbsent(store, 'x', { ttlMs: 1 });
      // @ts-expect-error parts are named
      void records.rememberedDevice.holding<{ entries: [] }>().get(store, { deviceId: 'd', user: 'u' });
      // @ts-expect-error a model outside the closed list
      void records.oidcArtifact.holding<{ jti: string }>().get(store, { model: 'Token', id: 'x' });
    };
    assert.equal(typeof typeChecks, 'function');
  });
});

function exampleKey(prefix: string, parts: readonly Part[]): string {
  return [prefix, ...parts.map((part) => `<${typeof part === 'string' ? part : part.name}>`)].join(':');
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}
