import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { before, describe, it } from 'mocha';
import { loadConfig } from '../../src/config/load.ts';
import type { StoredCredential } from '../../src/methods/webauthn/credentials.ts';
import { RelyingParty } from '../../src/methods/webauthn/relying-party.ts';
import {
  authenticationResponse,
  challengeOf,
  parseResponse,
  registrationResponse,
} from '../../src/methods/webauthn/responses.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';
import { fuzz, mutated } from './budget.ts';

// Property-based fuzzing of what a browser posts back from a WebAuthn ceremony (the JSON in the
// prompt's hidden field, then the CBOR attestation and the signed authenticator data inside it).
// Whatever arrives is refused or verified, never thrown, in bounded time; and an assertion with
// any byte of its signed parts changed is refused.

const ORIGIN = 'http://localhost:8080';
type Json = Record<string, unknown>;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
/** Ceremony options as the page carries them (JSON in data-options). */
const asJson = (options: object) => JSON.parse(JSON.stringify(options)) as Json;

/** Byte edits (replace, insert, delete) that give bytes different from the original. */
function editedBytes(original: Buffer): fc.Arbitrary<Buffer> {
  const edit = fc.record({
    at: fc.nat({ max: original.length }),
    byte: fc.integer({ min: 0, max: 255 }),
    kind: fc.constantFrom('set', 'insert', 'delete'),
  });
  return fc
    .array(edit, { minLength: 1, maxLength: 4 })
    .map((edits) => {
      let bytes = Buffer.from(original);
      for (const { at, byte, kind } of edits) {
        const i = Math.min(at, bytes.length);
        const tail = bytes.subarray(kind === 'insert' ? i : i + 1);
        bytes = Buffer.concat([bytes.subarray(0, i), kind === 'delete' ? Buffer.alloc(0) : Buffer.from([byte]), tail]);
      }
      return bytes;
    })
    .filter((bytes) => !bytes.equals(original));
}

/** Refused or verified, within a second; the relying party turns every library error into a refusal. */
async function bounded<T>(verify: () => Promise<{ ok: boolean } | undefined>): Promise<boolean> {
  const started = performance.now();
  const result = await verify();
  assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
  return result?.ok === true;
}

describe('fuzzing WebAuthn responses', function () {
  this.timeout(120_000);
  const rp = new RelyingParty(loadConfig({ env: {} }).webauthn, ORIGIN);
  const soft = new SoftAuthenticator({ origin: ORIGIN, kind: 'roaming', userVerification: true, residentKeys: true });
  const user = { handle: b64(randomBytes(16)), name: 'alice', displayName: 'Alice' };
  let registration: Json;
  let registrationChallenge: string;
  let stored: StoredCredential;

  before(async () => {
    registrationChallenge = b64(randomBytes(32));
    const options = await rp.registrationOptions({
      challenge: registrationChallenge,
      user,
      exclude: [],
      residentKey: 'preferred',
      userVerification: 'preferred',
    });
    registration = soft.register(asJson(options));
    const verified = await rp.verifyRegistration(
      parseResponse(registrationResponse, JSON.stringify(registration))!,
      registrationChallenge,
      false,
      false,
    );
    assert.ok(verified.ok, 'the seed registration verifies');
    stored = { ...verified.credential, userId: 'u1', name: 'key', passwordless: false, createdAt: Date.now() };
  });

  async function signedAssertion(): Promise<{ assertion: Json; challenge: string }> {
    const challenge = b64(randomBytes(32));
    const options = await rp.authenticationOptions(challenge, [stored], 'preferred');
    return { assertion: soft.assert(asJson(options)), challenge };
  }

  it('registration: mutated JSON and mutated CBOR attestation objects are refused or verified, never thrown', async () => {
    await fuzz(
      fc.asyncProperty(mutated(JSON.stringify(registration)), async (text) => {
        await bounded(async () => {
          const response = parseResponse(registrationResponse, text);
          return (
            response &&
            rp.verifyRegistration(
              response,
              challengeOf(response.response.clientDataJSON) ?? registrationChallenge,
              false,
              false,
            )
          );
        });
      }),
    );
    const attestation = Buffer.from(String((registration.response as Json).attestationObject), 'base64url');
    await fuzz(
      fc.asyncProperty(
        fc.oneof(
          editedBytes(attestation),
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
        ),
        async (bytes) => {
          const response = {
            ...registration,
            response: { ...(registration.response as Json), attestationObject: b64(bytes) },
          };
          await bounded(async () =>
            rp.verifyRegistration(
              parseResponse(registrationResponse, JSON.stringify(response))!,
              registrationChallenge,
              false,
              false,
            ),
          );
        },
      ),
    );
  });

  it('authentication: any change to the signed authenticator data, client data or signature is refused', async () => {
    const seed = await signedAssertion();
    const verify = (assertion: Json, challenge: string) =>
      bounded(async () => {
        const response = parseResponse(authenticationResponse, JSON.stringify(assertion));
        return response && rp.verifyAuthentication(response, challenge, stored, false);
      });
    assert.ok(await verify(seed.assertion, seed.challenge), 'the seed assertion verifies');
    const part = fc.constantFrom('authenticatorData', 'clientDataJSON', 'signature');
    const signed = seed.assertion.response as Record<string, string>;
    const edited = part.chain((name) =>
      editedBytes(Buffer.from(signed[name]!, 'base64url')).map((bytes) => ({ name, bytes })),
    );
    await fuzz(
      fc.asyncProperty(edited, async ({ name, bytes }) => {
        const assertion = { ...seed.assertion, response: { ...signed, [name]: b64(bytes) } };
        assert.equal(await verify(assertion, seed.challenge), false, `${name} changed to ${b64(bytes)} was accepted`);
      }),
    );
  });

  it('authentication: mutated JSON is refused or verified, never thrown', async () => {
    const seed = await signedAssertion();
    await fuzz(
      fc.asyncProperty(mutated(JSON.stringify(seed.assertion)), async (text) => {
        await bounded(async () => {
          const response = parseResponse(authenticationResponse, text);
          return response && rp.verifyAuthentication(response, seed.challenge, stored, false);
        });
      }),
    );
  });
});
