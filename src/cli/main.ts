import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../config/load.ts';
import type { LatchConfig } from '../config/schema.ts';
import { readUsersFile } from '../directory/local-file.ts';
import { startLatch, type RunningLatch } from '../main.ts';
import { runPrimary, WorkerStartError } from '../cluster/primary.ts';
import {
  answerMetricsRequests,
  askPrimaryForMetrics,
  ipcRelay,
  tellPrimaryReady,
  tellPrimaryStartFailed,
} from '../cluster/worker.ts';
import { createLogger } from '../ops/logger.ts';
import { generateBypassCodes, listBypassCodes, revokeBypassCodes } from './bypass-codes.ts';
import { listPasscodes, removePasscode } from './passcodes.ts';
import { assignToken, importTokens, listTokens, removeToken, unassignToken } from './tokens.ts';
import { applyHeapLimits } from './heap.ts';
import { formatUrls } from './urls.ts';
import { adminToken } from './admin-tokens.ts';
import { addUser, changePassword, listUsers, removeUser } from './users.ts';
import { enrollLink, removeDevice } from './push.ts';
import { addIntegration, listIntegrations, removeIntegration, rotateIntegrationSecret } from './integrations.ts';
import { initMaster, migrate, rotate } from './keys.ts';

// `latch` (npx latch …, npm start): one entry point for the server and its administration.

const USAGE = `Usage: latch <command>

  serve                          start the server (what npm start runs)
  user add NAME [--email E] [--display-name D] [--group G ...] [--password-stdin]
  user passwd NAME [--password-stdin]
  user remove NAME
  user list
  push enroll-link NAME          a one-time link that activates NAME's Latch Authenticator
  push remove NAME               remove NAME's Latch Authenticator
  urls                           print every endpoint an integrator needs
  keys init-master FILE          write a new master key (0600) for keys.masterKeyFile
  keys rotate                    make the next signing key current and publish a new next key
                                 (with a master key every node uses it within seconds; without,
                                 restart Latch afterwards)
  keys migrate [--from DATA_DIR] move a single node's records, keys and secrets into the
                                 configured store, sealed under the master key (docs/cluster.md)

  bypass-codes generate USER [--count N] [--uses N] [--expires 1d]
                                 make bypass codes (shown once); defaults: 1 code, 1 use, 1 day
  bypass-codes list USER         how many usable codes a user has, and until when
  bypass-codes revoke USER       delete every bypass code of a user
  passcodes list USER            a user's authenticator apps and hardware tokens
  passcodes remove USER ID       remove one (e.g. the app on a lost phone)
  tokens import FILE.csv [--encoding hex|base32]
                                 import hardware OATH tokens: lines of serial,secret,type
                                 (hotp or totp), optionally ,digits,period,counter,algorithm
  tokens list                    every imported token and who has it
  tokens assign SERIAL USER      give a token to a user
  tokens unassign SERIAL         take it back (it stays in stock)
  tokens remove SERIAL           delete it from stock
  admin token create NAME --role ROLE
                                 an admin API token (printed once); roles: owner, administrator,
                                 help-desk, read-only
  admin token revoke NAME        requests with it are refused from then on
  admin token list               every admin API token, without secrets

  integrations add NAME --type auth-api|universal-prompt [--policy YAML] [--allow-legacy-v1]
                                 a client of the Auth API (pam_duo, login_duo) or of the Universal
                                 Prompt; prints its integration key and secret key (shown once);
                                 --allow-legacy-v1 also serves duo_unix 1.x (dateless signatures)
  integrations list              every integration (never the secret keys)
  integrations remove NAME|IKEY  its keys stop working at once
  integrations rotate-secret NAME|IKEY
                                 a new secret key (shown once); the old one stops working

Configuration: config/default.yaml, merged with LATCH_CONFIG=file.yaml, then LATCH_* variables.`;

async function serve(config: LatchConfig): Promise<void> {
  if (cluster.isWorker) return serveAsWorker(config);
  if (config.server.heap) applyHeapLimits(config.server.heap);
  const log = createLogger(config.log.level);
  // The primary handles its own signals (src/cluster/primary.ts).
  const single = config.server.workers > 1 ? await runPrimary(config, log) : await startLatch(config, log);
  const localUsers =
    config.directory.type === 'local' ? Object.keys(readUsersFile(config.directory.local.file!)).length : -1;
  process.stderr.write(
    `\nLatch is running. Open ${config.server.baseUrl}/ to sign in.\n` +
      (localUsers === 0 ? `No users yet: in another terminal run  npx latch user add alice --group staff\n` : '') +
      `Endpoints for integrators:  npx latch urls\n\n`,
  );
  if (single) stopOnSignals(single);
}

/** One of server.workers processes (src/cluster/): it tells the primary, not the terminal, how its start went. */
async function serveAsWorker(config: LatchConfig): Promise<void> {
  const log = createLogger(config.log.level).child({ worker: cluster.worker?.id, pid: process.pid });
  const metrics = answerMetricsRequests();
  let latch: RunningLatch;
  try {
    latch = await startLatch(config, log, { storeRelay: ipcRelay(), clusterMetrics: askPrimaryForMetrics });
  } catch (err) {
    await tellPrimaryStartFailed(describeFailure(err));
    process.exit(2);
  }
  metrics.use(latch.services.metrics.registry);
  await tellPrimaryReady();
  stopOnSignals(latch);
  // The primary is gone (killed): nobody would replace or stop this worker, so it stops itself.
  process.once('disconnect', () => void latch.stop().finally(() => process.exit(1)));
}

function stopOnSignals(running: { stop(): Promise<void> }): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

/** What the operator reads when a command fails: a configuration problem as is, anything else after "latch:". */
function describeFailure(err: unknown): string {
  if (err instanceof ConfigError || err instanceof WorkerStartError) return err.message;
  return `latch: ${err instanceof Error ? err.message : String(err)}`;
}

async function run(argv: string[]): Promise<string | undefined> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      'display-name': { type: 'string' },
      group: { type: 'string', multiple: true },
      'password-stdin': { type: 'boolean' },
      count: { type: 'string' },
      uses: { type: 'string' },
      expires: { type: 'string' },
      encoding: { type: 'string' },
      role: { type: 'string' },
      type: { type: 'string' },
      policy: { type: 'string' },
      'allow-legacy-v1': { type: 'boolean' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, name, extra] = positionals;
  if (values.help || !command) return USAGE;
  const config = loadConfig();
  const needName = () => {
    if (!name) throw new Error(`missing NAME\n\n${USAGE}`);
    return name;
  };
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'serve':
      await serve(config);
      return undefined;
    case 'user add':
      return addUser(config, needName(), {
        email: values.email,
        displayName: values['display-name'],
        groups: values.group ?? [],
        passwordStdin: values['password-stdin'] ?? false,
      });
    case 'user passwd':
      return changePassword(config, needName(), values['password-stdin'] ?? false);
    case 'user remove':
      return removeUser(config, needName());
    case 'user list':
      return listUsers(config);
    case 'push enroll-link':
      return enrollLink(config, needName());
    case 'push remove':
      return removeDevice(config, needName());
    case 'urls':
      return formatUrls(config);
    case 'keys init-master':
      return initMaster(name);
    case 'keys rotate':
      return rotate(config);
    case 'keys migrate':
      return migrate(config, values.from);
    case 'bypass-codes generate':
      return generateBypassCodes(config, needName(), {
        count: values.count,
        uses: values.uses,
        expires: values.expires,
      });
    case 'bypass-codes list':
      return listBypassCodes(config, needName());
    case 'bypass-codes revoke':
      return revokeBypassCodes(config, needName());
    case 'passcodes list':
      return listPasscodes(config, needName());
    case 'passcodes remove':
      return removePasscode(config, needName(), extra);
    case 'tokens import':
      return importTokens(config, name, values.encoding);
    case 'tokens list':
      return listTokens(config);
    case 'tokens assign':
      return assignToken(config, name, extra);
    case 'tokens unassign':
      return unassignToken(config, name);
    case 'tokens remove':
      return removeToken(config, name);
    case 'admin token':
      return adminToken(config, name, extra, values.role);
    case 'integrations add':
      return addIntegration(config, needName(), {
        type: values.type,
        policy: values.policy,
        legacyV1: values['allow-legacy-v1'],
      });
    case 'integrations list':
      return listIntegrations(config);
    case 'integrations remove':
      return removeIntegration(config, needName());
    case 'integrations rotate-secret':
      return rotateIntegrationSecret(config, needName());
    default:
      throw new Error(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
  }
}

try {
  const output = await run(process.argv.slice(2));
  if (output !== undefined) process.stdout.write(`${output}\n`);
} catch (err) {
  process.stderr.write(`${describeFailure(err)}\n`);
  process.exitCode = 2;
}
