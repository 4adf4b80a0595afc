import { generateKeyPairSync } from 'node:crypto';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'mocha';
import pino from 'pino';
import { AuthLog } from '../authn/auth-log.ts';
import { KnownDevices } from '../authn/known-device.ts';
import { policiesFromConfig } from '../authn/policy-config.ts';
import { PasswordThrottle } from '../authn/throttle.ts';
import { loadConfig } from '../config/load.ts';
import type { Directory } from '../directory/contract.ts';
import type { Store } from '../store/contract.ts';
import { tempSqliteStore } from '../../test/support/sqlite-store.ts';
import { createMethods, type Methods } from './index.ts';
import type { P256PublicJwk } from './push/protocol.ts';

// The factor summary (authn/factor-summary.ts) answers "does this user have a second factor?" in
// one read. A summary that still says "none" after an enrolment would let the next sign-in skip
// the second factor, so every path that adds or removes an authenticator must update it at once:
// each test fills the summary first (the user has nothing), then takes one path and asks again.

const USER = 'user-1';

const nobody: Directory = {
  kind: 'test',
  findUser: async () => undefined,
  findUserById: async () => undefined,
  verifyPassword: async () => ({ ok: false, reason: 'user-not-found' }),
  ping: async () => {},
  close: async () => {},
};

let store: Store;
let methods: Methods;
let closeStore: () => Promise<void>;

beforeEach(async () => {
  ({ store, close: closeStore } = await tempSqliteStore());
  const config = loadConfig({ env: { LATCH_BASE_URL: 'https://idp.example.test' }, file: undefined });
  const log = pino({ level: 'silent' });
  methods = await createMethods({
    config,
    log,
    store,
    serverSecret: Buffer.alloc(32, 7),
    directory: nobody,
    policies: policiesFromConfig(config),
    authLog: new AuthLog(store, log),
    knownDevices: new KnownDevices(store, Buffer.alloc(32, 8), 60_000),
    throttle: new PasswordThrottle(store, config.throttle),
  });
});

afterEach(async () => {
  await methods.push.close();
  await closeStore();
});

/** What the sign-in sees: the methods with something enrolled, and whether any is a second factor. */
async function seen(): Promise<{ enrolled: string[]; hasAnyFactor: boolean }> {
  const enrolled = [...(await methods.factorChanges.enrolled(USER))].sort();
  return { enrolled, hasAnyFactor: await methods.factorChanges.hasAnyFactor(USER) };
}

const NOTHING = { enrolled: [], hasAnyFactor: false };
/** What the sign-in sees of a user who has something in this one method. */
const only = (method: string, factor = true) => ({ enrolled: [method], hasAnyFactor: factor });

/** The console's removal: the method's authenticators, as src/admin/ lists and removes them. */
function consoleRemove(methodId: string): Promise<number> {
  const method = methods.list.find((m) => m.id === methodId)!;
  return method.authenticators!.removeAll(USER);
}

function phoneKey(): P256PublicJwk {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
}

function passkey(id: string) {
  return {
    id,
    userId: USER,
    publicKey: 'AQID',
    counter: 0,
    transports: [],
    kind: 'platform' as const,
    name: 'Laptop',
    passwordless: true,
    createdAt: Date.now(),
  };
}

describe('the factor summary is current after every way of adding or removing an authenticator', () => {
  beforeEach(async () => assert.deepEqual(await seen(), NOTHING, 'the summary is filled: the user has nothing'));

  it('a passkey or security key (sign-in enrolment, the offer, the account page), removed by the console', async () => {
    assert.equal(await methods.webauthn.ceremonies.credentials.add(passkey('cred-1')), true);
    assert.deepEqual(await seen(), only('webauthn'));
    assert.equal(await methods.webauthn.ceremonies.credentials.add(passkey('cred-1')), false, 'a duplicate id');
    assert.deepEqual(await seen(), only('webauthn'));
    assert.equal(await consoleRemove('webauthn'), 1);
    assert.deepEqual(await seen(), NOTHING);
  });

  it('the account page removes one passkey of two: the user still has one', async () => {
    const { credentials } = methods.webauthn.ceremonies;
    await credentials.add(passkey('cred-1'));
    await credentials.add(passkey('cred-2'));
    assert.equal(await credentials.remove(USER, 'cred-1'), true);
    assert.deepEqual(await seen(), only('webauthn'));
    assert.equal(await credentials.remove(USER, 'cred-2'), true);
    assert.deepEqual(await seen(), NOTHING);
  });

  it('an authenticator app (sign-in enrolment, the account page), removed by the console', async () => {
    assert.equal(await methods.passcodes.credentials.addApp(USER, 'app-1', 'JBSWY3DPEHPK3PXP', 1), true);
    assert.deepEqual(await seen(), only('passcodes'));
    assert.equal(await consoleRemove('passcodes'), 1);
    assert.deepEqual(await seen(), NOTHING);
  });

  it('a hardware token assigned, unassigned, assigned again and removed from stock (command line)', async () => {
    const { tokens } = methods.passcodes;
    const token = { serial: 'T1', secret: 'JBSWY3DPEHPK3PXP', type: 'totp' as const, digits: 6, period: 30 };
    await tokens.import([{ ...token, counter: 0, algorithm: 'SHA1' }]);
    await tokens.assign('T1', USER);
    assert.deepEqual(await seen(), only('passcodes'));
    assert.equal(await tokens.unassign('T1'), USER);
    assert.deepEqual(await seen(), NOTHING);
    await tokens.assign('T1', USER);
    assert.equal((await seen()).hasAnyFactor, true);
    await tokens.remove('T1');
    assert.deepEqual(await seen(), NOTHING);
  });

  it('the Latch Authenticator (activation from the prompt, the account page, the Auth API), removed', async () => {
    const phone = { userId: USER, username: 'alice', displayName: 'Alice', name: 'Phone', platform: 'test' };
    await methods.push.devices.register({ ...phone, publicKey: phoneKey() });
    assert.deepEqual(await seen(), only('push'));
    await methods.push.devices.register({ ...phone, publicKey: phoneKey() });
    assert.deepEqual(await seen(), only('push'), 'a new phone replaces the old one');
    assert.equal(await consoleRemove('push'), 1);
    assert.deepEqual(await seen(), NOTHING);
  });

  it('bypass codes are listed but are no second factor of their own', async () => {
    await methods.passcodes.bypassCodes.generate(USER, { count: 2, uses: 1, lifetimeMs: 60_000 });
    assert.deepEqual(await seen(), only('bypass-codes', false));
    assert.equal(await consoleRemove('bypass-codes'), 2);
    assert.deepEqual(await seen(), NOTHING);
  });

  it('changes racing each other leave the summary as the records are', async () => {
    const { credentials } = methods.webauthn.ceremonies;
    await credentials.add(passkey('cred-1'));
    await Promise.all([
      credentials.remove(USER, 'cred-1'),
      credentials.add(passkey('cred-2')),
      methods.passcodes.credentials.addApp(USER, 'app-1', 'JBSWY3DPEHPK3PXP', 1),
      methods.passcodes.bypassCodes.generate(USER, { count: 1, uses: 1, lifetimeMs: 60_000 }),
    ]);
    assert.deepEqual(await seen(), { enrolled: ['bypass-codes', 'passcodes', 'webauthn'], hasAnyFactor: true });
  });
});

it("a user enrolled before the summary existed: the first read counts each method's records", async () => {
  await methods.passcodes.credentials.addApp(USER, 'app-1', 'JBSWY3DPEHPK3PXP', 1);
  // The summary's key (store/records.ts factorSummary), as an older Latch would have left it: none.
  await store.delete(`factor-summary:${USER}`);
  assert.deepEqual(await seen(), only('passcodes'));
  // One method missing from a record (written before that method was counted) is counted and added.
  await store.set(`factor-summary:${USER}`, { enrolled: { webauthn: false } });
  assert.deepEqual(await seen(), only('passcodes'));
});
