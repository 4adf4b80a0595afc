import { it } from 'mocha';
import assert from 'node:assert/strict';
import { codeAt, newSecret, timeStep } from './otp.ts';
import { passcodesForEachTest } from '../../../test/support/passcode-store.ts';
import { parseTokenCsv } from './token-csv.ts';

const parts = passcodesForEachTest();

const NOW = 1_750_000_015_000;
const STEP = timeStep(NOW, 30);
const appKey = (secret: string) => ({ secret, algorithm: 'SHA1' as const, digits: 6 });

async function enrollApp(userId = 'u1', confirmedStep = STEP - 5): Promise<string> {
  const secret = newSecret();
  assert.equal(await parts.passcodes.credentials.addApp(userId, 'app-1', secret, confirmedStep), true);
  return secret;
}

it('TOTP: codes of this step and one step either side are accepted; two steps away are refused', async () => {
  const secret = await enrollApp();
  assert.deepEqual(await parts.passcodes.credentials.verify('u1', codeAt(appKey(secret), STEP - 2), NOW), {
    ok: false,
    reason: 'wrong',
  });
  assert.deepEqual(await parts.passcodes.credentials.verify('u1', codeAt(appKey(secret), STEP + 2), NOW), {
    ok: false,
    reason: 'wrong',
  });
  assert.equal((await parts.passcodes.credentials.verify('u1', codeAt(appKey(secret), STEP - 1), NOW)).ok, true);
  assert.equal((await parts.passcodes.credentials.verify('u1', codeAt(appKey(secret), STEP), NOW)).ok, true);
  assert.equal((await parts.passcodes.credentials.verify('u1', codeAt(appKey(secret), STEP + 1), NOW)).ok, true);
});

it('TOTP: an accepted code is refused the second time, and so is an older one', async () => {
  const secret = await enrollApp();
  const code = codeAt(appKey(secret), STEP);
  assert.equal((await parts.passcodes.credentials.verify('u1', code, NOW)).ok, true);
  assert.deepEqual(await parts.passcodes.credentials.verify('u1', code, NOW), { ok: false, reason: 'reused' });
  assert.deepEqual(await parts.passcodes.credentials.verify('u1', codeAt(appKey(secret), STEP - 1), NOW), {
    ok: false,
    reason: 'reused',
  });
});

it('TOTP: the code that confirmed enrollment cannot be used to sign in', async () => {
  const secret = newSecret();
  await parts.passcodes.credentials.addApp('u1', 'app-1', secret, STEP);
  assert.deepEqual(await parts.passcodes.credentials.verify('u1', codeAt(appKey(secret), STEP), NOW), {
    ok: false,
    reason: 'reused',
  });
});

it('TOTP: of two concurrent requests with the same code, exactly one succeeds', async () => {
  const secret = await enrollApp();
  const code = codeAt(appKey(secret), STEP);
  const results = await Promise.all(
    Array.from({ length: 5 }, () => parts.passcodes.credentials.verify('u1', code, NOW)),
  );
  assert.equal(results.filter((r) => r.ok).length, 1);
});

it("a user's code never works for another user", async () => {
  const secret = await enrollApp('u1');
  await parts.passcodes.credentials.addApp('u2', 'app-2', newSecret(), STEP - 5);
  assert.deepEqual(await parts.passcodes.credentials.verify('u2', codeAt(appKey(secret), STEP), NOW), {
    ok: false,
    reason: 'wrong',
  });
  assert.deepEqual(await parts.passcodes.credentials.verify('u3', codeAt(appKey(secret), STEP), NOW), {
    ok: false,
    reason: 'wrong',
  });
});

it('secrets are stored sealed: the store holds neither the base32 secret nor anything that opens under another record', async () => {
  const secret = await enrollApp();
  const raw = JSON.stringify(await parts.store.get('passcode:app-1'));
  assert.ok(!raw.includes(secret), 'the base32 secret is not in the record');
  const record = (await parts.store.get<Record<string, string>>('passcode:app-1'))!;
  await parts.store.set('passcode:app-2', { ...record, id: 'app-2' });
  await parts.store.addToIndex('passcodes:user:u1', 'app-2');
  // A secret moved to another record does not open: verification fails loudly, not silently.
  await assert.rejects(
    () => parts.passcodes.credentials.verify('u1', '000000', NOW),
    /Unsupported state or unable to authenticate data/,
  );
});

const HOTP_SECRET = '3132333435363738393031323334353637383930'; // RFC 4226: "12345678901234567890"
const rfcCode = (counter: number) =>
  codeAt({ secret: parseTokenCsv(`T1,${HOTP_SECRET},hotp`, 'hex')[0]!.secret, algorithm: 'SHA1', digits: 6 }, counter);

async function assignedHotp(): Promise<void> {
  await parts.passcodes.tokens.import(parseTokenCsv(`T1,${HOTP_SECRET},hotp`, 'hex'));
  await parts.passcodes.tokens.assign('T1', 'u1');
}

it('HOTP: codes up to the look-ahead are accepted, the counter moves past them, and used codes are refused', async () => {
  await assignedHotp();
  assert.equal(rfcCode(0), '755224');
  assert.equal((await parts.passcodes.credentials.verify('u1', rfcCode(0))).ok, true);
  assert.equal((await parts.passcodes.credentials.verify('u1', rfcCode(0))).ok, false, 'used');
  assert.equal((await parts.passcodes.credentials.verify('u1', rfcCode(5))).ok, true, 'four presses ahead');
  assert.equal((await parts.passcodes.credentials.verify('u1', rfcCode(3))).ok, false, 'behind the counter');
  const check = await parts.passcodes.credentials.verify('u1', rfcCode(15));
  assert.equal(check.ok && check.credential.counter, 16);
});

it('HOTP: a code beyond the look-ahead needs the next code to resynchronize', async () => {
  await assignedHotp();
  const far = await parts.passcodes.credentials.verify('u1', rfcCode(40));
  assert.deepEqual(far, { ok: false, reason: 'resync-needed', credentialId: 'token:T1', counter: 40 });
  assert.deepEqual(
    await parts.passcodes.credentials.resync('u1', 'token:T1', 40, rfcCode(42)),
    { ok: false, reason: 'wrong' },
    'not the next code',
  );
  assert.equal((await parts.passcodes.credentials.resync('u1', 'token:T1', 40, rfcCode(41))).ok, true);
  assert.equal((await parts.passcodes.credentials.verify('u1', rfcCode(41))).ok, false, 'used by the resync');
  assert.equal((await parts.passcodes.credentials.verify('u1', rfcCode(42))).ok, true);
  assert.deepEqual(
    await parts.passcodes.credentials.verify('u1', rfcCode(500)),
    { ok: false, reason: 'wrong' },
    'beyond the resync window',
  );
});

it('tokens: assign, refuse a second owner, unassign keeps the counter, remove', async () => {
  await assignedHotp();
  await parts.passcodes.credentials.verify('u1', rfcCode(0));
  await assert.rejects(
    () => parts.passcodes.tokens.assign('T1', 'u2'),
    /token T1 is assigned to another user; unassign it first/,
  );
  assert.equal(await parts.passcodes.tokens.unassign('T1'), 'u1');
  assert.equal(await parts.passcodes.credentials.hasAny('u1'), false);
  await parts.passcodes.tokens.assign('T1', 'u2');
  assert.equal((await parts.passcodes.credentials.verify('u2', rfcCode(0))).ok, false, 'the counter survived');
  assert.equal((await parts.passcodes.credentials.verify('u2', rfcCode(1))).ok, true);
  await parts.passcodes.tokens.remove('T1');
  assert.deepEqual(await parts.passcodes.tokens.list(), []);
  assert.equal(await parts.passcodes.credentials.hasAny('u2'), false);
  await assert.rejects(() => parts.passcodes.tokens.assign('T9', 'u1'), /there is no token "T9"/);
});

it('tokens: importing a serial that is already in stock imports nothing', async () => {
  await parts.passcodes.tokens.import(parseTokenCsv(`T1,${HOTP_SECRET},hotp`, 'hex'));
  await assert.rejects(
    () => parts.passcodes.tokens.import(parseTokenCsv(`T2,${HOTP_SECRET},totp\nT1,${HOTP_SECRET},hotp`, 'hex')),
    /already imported: T1; nothing was imported/,
  );
  assert.deepEqual(
    (await parts.passcodes.tokens.list()).map((t) => t.serial),
    ['T1'],
  );
});
