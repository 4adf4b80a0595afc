import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import {
  addIntegration,
  apiEvents,
  duo,
  okOf,
  sendRaw,
  startAuthApiLatch,
  user,
  type AuthApiLatch,
} from './support.ts';

// Malformed and hostile requests to the Auth API: each gets its documented failure code and
// status, in the Auth API's own JSON, and changes nothing (no code used up, nothing logged as an
// authentication). The signed ones are signed by duo_client's own sign() (duo_call.py "raw").

type Answer = {
  status: number;
  body: { stat: string; code: number; message: string; message_detail?: string };
  retry_after: string | null;
};

describe('Auth API refuses malformed and hostile requests', function () {
  let api: AuthApiLatch;
  let ssh: OpenIntegration;
  let aliceId: string;

  before(async () => {
    api = await startAuthApiLatch([user('alice')]);
    ssh = await addIntegration(api.latch, 'ssh servers');
    aliceId = (await api.latch.services.directory.findUser('alice'))!.id;
  });

  after(async () => {
    await api?.latch.stop();
  });

  const raw = async (spec: Record<string, unknown>): Promise<Answer[]> =>
    okOf<Answer[]>(await duo(api, { ikey: ssh.ikey, skey: ssh.secret }, { raw: spec }));

  /** A request without any signature, as a stranger sends it. */
  async function unsigned(path: string, headers: Record<string, string> = {}, body = ''): Promise<Answer> {
    const { status, text } = await sendRaw(api, path, { headers, body });
    return { status, body: JSON.parse(text), retry_after: null };
  }

  const assertFailure = (answer: Answer, status: number, code: number, detail: RegExp) => {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.deepEqual([answer.body.stat, answer.body.code], ['FAIL', code]);
    assert.match(answer.body.message_detail ?? answer.body.message, detail);
  };

  it('a replayed auth is refused with 40103 and uses nothing up', async () => {
    const [code] = await api.latch.services.passcodes.bypassCodes.generate(aliceId, {
      count: 1,
      uses: 2,
      lifetimeMs: 3_600_000,
    });
    const [first, replayed] = await raw({
      method: 'POST',
      path: '/auth/v2/auth',
      params: { factor: 'passcode', username: 'alice', passcode: code!.replace(' ', '') },
      times: 2,
    });
    assert.deepEqual(
      [first!.status, (first!.body as unknown as { response: { result: string } }).response.result],
      [200, 'allow'],
    );
    assertFailure(replayed!, 401, 40103, /already used \(replayed\)/);
    const [left] = await api.latch.services.passcodes.bypassCodes.list(aliceId);
    assert.equal(left?.usesLeft, 1, 'the replay used no second use of the code');
  });

  it('bad percent-encoding is refused with 40002', async () => {
    const [answer] = await raw({
      method: 'POST',
      path: '/auth/v2/preauth',
      params: { username: 'alice' },
      body: 'username=%ZZ%C3',
    });
    assertFailure(answer!, 400, 40002, /percent-encoded UTF-8/);
  });

  it('a huge body is refused with 41301 before it is read', async () => {
    const [answer] = await raw({
      method: 'POST',
      path: '/auth/v2/preauth',
      params: { username: 'alice' },
      body: `username=alice&pad=${'x'.repeat(40_000)}`,
    });
    assertFailure(answer!, 413, 41301, /at most 16384 bytes/);
  });

  it('too many parameters, a repeated parameter and an overlong passcode are refused with 40002', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&');
    const [tooMany] = await raw({
      method: 'POST',
      path: '/auth/v2/preauth',
      params: { username: 'alice' },
      body: many,
    });
    assertFailure(tooMany!, 400, 40002, /at most 32 parameters/);
    const [repeated] = await raw({
      method: 'POST',
      path: '/auth/v2/preauth',
      params: { username: ['alice', 'bob'] },
      body: 'username=alice&username=bob',
    });
    assertFailure(repeated!, 400, 40002, /username is given more than once/);
    const [long] = await raw({
      method: 'POST',
      path: '/auth/v2/auth',
      params: { factor: 'passcode', username: 'alice', passcode: '1'.repeat(64) },
    });
    assertFailure(long!, 400, 40002, /passcode: at most 32 characters/);
  });

  it('a wrong content type is refused with 41501, a JSON body that is not an object with 40002', async () => {
    const [text] = await raw({
      method: 'POST',
      path: '/auth/v2/preauth',
      params: { username: 'alice' },
      content_type: 'text/plain',
    });
    assertFailure(text!, 415, 41501, /application\/x-www-form-urlencoded or application\/json/);
    const [array] = await raw({
      method: 'POST',
      path: '/auth/v2/preauth',
      params: { username: 'alice' },
      content_type: 'application/json',
      body: '["alice"]',
    });
    assertFailure(array!, 400, 40002, /must be an object/);
  });

  it('missing or malformed credentials get 40101, a missing date 40104, an unknown factor 40002, a wrong method 40501', async () => {
    assertFailure(await unsigned('/auth/v2/check'), 401, 40101, /Authorization: Basic/);
    assertFailure(await unsigned('/auth/v2/check', { Authorization: 'Basic !!!' }), 401, 40101, /Authorization: Basic/);
    const forged = `Basic ${Buffer.from(`${ssh.ikey}:${'0'.repeat(40)}`).toString('base64')}`;
    assertFailure(await unsigned('/auth/v2/check', { Authorization: forged }), 401, 40104, /Date/);
    const [factor] = await raw({ method: 'POST', path: '/auth/v2/auth', params: { factor: 'sms', username: 'alice' } });
    assertFailure(factor!, 400, 40002, /factor: Latch supports passcode, push, auto and prompt/);
    const [method] = await raw({ method: 'POST', path: '/auth/v2/check', params: {} });
    assertFailure(method!, 405, 40501, /use GET/);
    assertFailure(await unsigned('/auth/v2/nothing'), 404, 40401, /Latch serves ping/);
  });

  it('none of these refusals was logged as an authentication', async () => {
    const events = await apiEvents(api.latch);
    assert.deepEqual(
      events.map((e) => [e.event, e.result]),
      [['authapi-auth', 'allow']],
    );
  });
});
