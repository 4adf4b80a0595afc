import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { totpCode } from '../support/passcodes.ts';
import { addIntegration, giveAuthenticatorApp, startAuthApiLatch, user, type AuthApiLatch } from './support.ts';

// v5 signatures (SHA-512 over the JSON body and the X-Duo-* headers too) from Duo's own Node.js
// client, @duosecurity/duo_api 1.5.0 (npm; Debian's duo_client predates v5). That client pins the
// vendor's CA in each request and connects to the API host on 443; the test's https.globalAgent
// sends its connections to Latch on loopback with the test CA instead, the package untouched.

interface DuoApiClient {
  jsonApiCall(
    method: string,
    path: string,
    params: Record<string, string>,
    callback: (answer: { stat: string; response?: unknown; code?: number; message?: string }) => void,
  ): void;
}
interface DuoApiModule {
  Client: new (ikey: string, skey: string, host: string, sigVersion?: number) => DuoApiClient;
  SIGNATURE_VERSION_5: number;
}
const duoApi: DuoApiModule = createRequire(import.meta.url)('@duosecurity/duo_api');

describe('Auth API v5 signatures with @duosecurity/duo_api', function () {
  let api: AuthApiLatch;
  let ssh: OpenIntegration;
  let secret: string;
  const original = https.globalAgent;

  before(async () => {
    api = await startAuthApiLatch([user('alice')]);
    ssh = await addIntegration(api.latch, 'node tools');
    secret = await giveAuthenticatorApp(api.latch, 'alice');
    const ca = readFileSync(api.certs.caFile, 'utf8');
    const port = api.port;
    class ToLatch extends https.Agent {
      // Returning the socket is enough: the agent calls back itself when one is returned.
      override createConnection(options: https.RequestOptions): Duplex {
        return tls.connect({
          ...(options as tls.ConnectionOptions),
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca,
        });
      }
    }
    https.globalAgent = new ToLatch();
  });

  after(async () => {
    https.globalAgent = original;
    await api?.latch.stop();
  });

  const call = (client: DuoApiClient, method: string, path: string, params: Record<string, string>) =>
    new Promise<{ stat: string; response?: unknown; code?: number; message?: string }>((resolve) =>
      client.jsonApiCall(method, path, params, resolve),
    );

  it('check, preauth and auth with a passcode, signed v5 with a JSON body', async () => {
    const client = new duoApi.Client(ssh.ikey, ssh.secret, `localhost:${api.port}`, duoApi.SIGNATURE_VERSION_5);
    assert.equal((await call(client, 'GET', '/auth/v2/check', {})).stat, 'OK');
    const preauth = await call(client, 'POST', '/auth/v2/preauth', { username: 'alice' });
    assert.equal((preauth.response as { result: string }).result, 'auth');
    const auth = await call(client, 'POST', '/auth/v2/auth', {
      username: 'alice',
      factor: 'passcode',
      passcode: totpCode(secret),
    });
    assert.deepEqual(auth.response, { result: 'allow', status: 'allow', status_msg: 'Success. Logging you in...' });
  });

  it('a v5 request signed with the wrong secret is refused with 40103', async () => {
    const client = new duoApi.Client(ssh.ikey, 'w'.repeat(40), `localhost:${api.port}`, duoApi.SIGNATURE_VERSION_5);
    const refused = await call(client, 'POST', '/auth/v2/preauth', { username: 'alice' });
    assert.deepEqual([refused.stat, refused.code], ['FAIL', 40103]);
  });
});
