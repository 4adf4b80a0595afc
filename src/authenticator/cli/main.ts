import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseActivationUrl, totpFor, type PendingPush } from '../../methods/push/protocol.ts';
import { activate, DeviceClient, ECDSA_P256, LatchApiError, publicJwkOf } from '../core/client.ts';
import { AuthenticatorState, homeDir, label, type Account } from './state.ts';

// `latch-authenticator`: the Latch Authenticator for scripts, tests and servers. It holds a P-256
// key in a 0600 file and answers pushes from the command line.

const USAGE = `Usage: latch-authenticator <command> [--home DIR] [--account USER]

  activate LINK [--name NAME]     activate with the one-time link from the account page
  list                            the activated accounts
  pending [--wait SECONDS]        show the sign-in request waiting for approval
  approve [--code N] [--request ID] [--wait SECONDS] [--no-user-verification]
                                  approve the waiting sign-in (type the code the browser shows)
  deny [--fraud] [--request ID] [--wait SECONDS]
                                  deny it; --fraud also reports it to your IT team
  code                            the current passcode (works offline)

State: --home DIR, or LATCH_AUTHENTICATOR_HOME, or ~/.latch-authenticator (file mode 0600).`;

async function clientFor(account: Account): Promise<DeviceClient> {
  const key = await crypto.subtle.importKey('jwk', account.privateKey, ECDSA_P256, false, ['sign']);
  return new DeviceClient(account.baseUrl, account.deviceId, key);
}

function describe(push: PendingPush): string {
  const left = Math.max(0, Math.round((push.expiresAt - Date.now()) / 1000));
  return [
    `Sign-in request ${push.id}`,
    `  user:     ${push.user}`,
    `  app:      ${push.app}`,
    `  time:     ${new Date(push.time).toISOString()}`,
    `  from:     ${push.browser}, ${push.ip}`,
    ...(push.details ?? []).map((d) => `  ${`${d.name}:`.padEnd(9)} ${d.value}`),
    `  code:     ${push.codeRequired ? `type the ${push.codeLength}-digit code shown in the browser` : 'not needed'}`,
    `  expires:  in ${left} s`,
  ].join('\n');
}

async function waitingPush(client: DeviceClient, waitSeconds: number): Promise<PendingPush> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    const { pending } = await client.pending(Math.max(0, Math.min(left, 25)));
    if (pending[0]) return pending[0];
    if (left <= 0 || Date.now() >= deadline)
      throw new Error(
        waitSeconds > 0
          ? `No sign-in request arrived within ${waitSeconds} s.`
          : 'No sign-in request is waiting. Start the sign-in in the browser first, or use --wait SECONDS.',
      );
  }
}

async function run(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      home: { type: 'string' },
      account: { type: 'string' },
      name: { type: 'string' },
      code: { type: 'string' },
      request: { type: 'string' },
      wait: { type: 'string' },
      fraud: { type: 'boolean' },
      'no-user-verification': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, argument] = positionals;
  if (values.help || !command) return USAGE;
  const state = new AuthenticatorState(homeDir(values.home));
  const wait = Number(values.wait ?? 0);
  if (!Number.isFinite(wait) || wait < 0) throw new Error(`--wait: expected a number of seconds (got ${values.wait})`);

  switch (command) {
    case 'activate': {
      if (!argument) throw new Error(`missing LINK\n\n${USAGE}`);
      const { baseUrl, token } = parseActivationUrl(argument);
      const keys = (await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
      const name = values.name ?? `${os.hostname()} (command line)`;
      const result = await activate(baseUrl, token, {
        publicKey: await publicJwkOf(keys.publicKey),
        name,
        platform: 'cli',
      });
      state.save({
        baseUrl: result.issuer,
        user: result.user,
        displayName: result.displayName,
        deviceId: result.deviceId,
        deviceName: name,
        privateKey: await crypto.subtle.exportKey('jwk', keys.privateKey),
        totpSecret: result.totpSecret,
        activatedAt: Date.now(),
      });
      return `Activated ${name} for ${result.user} at ${result.issuer}.`;
    }
    case 'list': {
      const accounts = state.read();
      if (accounts.length === 0) return 'No account is activated.';
      return accounts
        .map(
          (a) =>
            `${label(a)}  device ${a.deviceName} (${a.deviceId}), activated ${new Date(a.activatedAt).toISOString()}`,
        )
        .join('\n');
    }
    case 'code': {
      const account = state.pick(values.account);
      const totp = totpFor(account.totpSecret);
      const left = 30 - (Math.floor(Date.now() / 1000) % 30);
      return `${totp.generate()}  (${label(account)}, valid for ${left} s)`;
    }
    case 'pending': {
      const client = await clientFor(state.pick(values.account));
      return describe(await waitingPush(client, wait));
    }
    case 'approve':
    case 'deny': {
      const client = await clientFor(state.pick(values.account));
      let requestId = values.request;
      let push: PendingPush | undefined;
      if (!requestId) {
        push = await waitingPush(client, wait);
        requestId = push.id;
      }
      const code = values.code ?? '';
      if (command === 'approve' && push?.codeRequired && !code) {
        throw new Error(
          `${describe(push)}\nThis sign-in asks for the code shown in the browser: run  latch-authenticator approve --code NNN`,
        );
      }
      const answerWith = command === 'approve' ? 'approve' : values.fraud ? 'fraud' : 'deny';
      const result = await client.decide(requestId, answerWith, code, !values['no-user-verification']);
      if (result.state !== (answerWith === 'approve' ? 'approved' : answerWith === 'fraud' ? 'fraud' : 'denied'))
        throw new Error(result.message);
      return result.message;
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

export async function main(argv: string[]): Promise<void> {
  try {
    process.stdout.write(`${await run(argv)}\n`);
  } catch (err) {
    const message =
      err instanceof LatchApiError
        ? `Latch refused: ${err.message}`
        : err instanceof TypeError && /fetch/.test(err.message)
          ? `Latch could not be reached: ${(err.cause as Error | undefined)?.message ?? err.message}`
          : (err as Error).message;
    process.stderr.write(`latch-authenticator: ${message}\n`);
    process.exitCode = 1;
  }
}
