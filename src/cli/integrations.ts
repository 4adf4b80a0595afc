import YAML from 'yaml';
import { policyLayer, type PolicyLayer } from '../config/policy.ts';
import type { LatchConfig } from '../config/schema.ts';
import { openIntegrations } from '../idp/authapi/index.ts';
import {
  INTEGRATION_TYPES,
  type Integration,
  type IntegrationType,
  type Integrations,
  type OpenIntegration,
} from '../idp/authapi/integrations.ts';
import { loadServerSecret } from '../keys/server-secret.ts';
import { createLogger } from '../ops/logger.ts';
import { openStore } from '../store/index.ts';
import { when } from './second-factor-admin.ts';
import { table } from './table.ts';

// `latch integrations …`: the clients of the Auth API (pam_duo, login_duo, logon clients) and of
// the Universal Prompt (web applications). The secret key is printed once, when it is made or
// rotated; `list` never shows it.

async function withIntegrations<T>(config: LatchConfig, body: (integrations: Integrations) => Promise<T>): Promise<T> {
  const store = await openStore(config.store, createLogger('silent'));
  try {
    return await body(openIntegrations(store, await loadServerSecret(store)));
  } finally {
    await store.close();
  }
}

function parseType(type: string | undefined): IntegrationType {
  if (type && (INTEGRATION_TYPES as readonly string[]).includes(type)) return type as IntegrationType;
  throw new Error(`--type: expected ${INTEGRATION_TYPES.join(' or ')} (got ${type ?? 'nothing'})`);
}

/** --policy '{ newUser: deny, secondFactors: [push] }': a policy layer in YAML (or JSON), checked like the config's. */
export function parsePolicy(text: string | undefined): PolicyLayer | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new Error(`--policy: not YAML or JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const checked = policyLayer.safeParse(parsed);
  if (checked.success) return checked.data;
  const problems = checked.error.issues.map(
    (i) => `--policy${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`,
  );
  throw new Error(problems.join('\n'));
}

function shown(config: LatchConfig, integration: OpenIntegration, what: string): string {
  const host = new URL(config.server.baseUrl).host;
  return [
    `${what} ${integration.type} integration "${integration.name}".`,
    `  integration key:  ${integration.ikey}`,
    `  secret key:       ${integration.secret}`,
    `  API hostname:     ${host}`,
    ...(integration.type === 'universal-prompt'
      ? ['(In the Universal Prompt SDKs: client ID = integration key, client secret = secret key.)']
      : []),
    '',
    'The secret key is shown only now. Keep it like a password: whoever has it can ask Latch to',
    integration.type === 'auth-api'
      ? "push to your users' phones. See docs/ssh-and-console.md."
      : 'sign users in to that application. See docs/ssh-and-console.md.',
  ].join('\n');
}

export async function addIntegration(
  config: LatchConfig,
  name: string,
  options: { type?: string; policy?: string; legacyV1?: boolean },
): Promise<string> {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u.test(name))
    throw new Error('NAME: 1 to 64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');
  const type = parseType(options.type);
  const policy = parsePolicy(options.policy);
  if (options.legacyV1 && type !== 'auth-api')
    throw new Error('--allow-legacy-v1: only for --type auth-api (duo_unix 1.x)');
  const legacy = options.legacyV1 ? { legacyV1: true } : {};
  const added = await withIntegrations(config, (integrations) =>
    integrations.add({ name, type, ...(policy ? { policy } : {}), ...legacy }),
  );
  const warning = options.legacyV1
    ? "\nThis integration also accepts duo_unix 1.x's legacy /rest/v1 API, whose signed requests carry no date:\n" +
      'a captured request can be replayed at any time. Move its clients to duo_unix 2.x and make a new integration.'
    : '';
  return shown(config, added, 'Added') + warning;
}

export function listIntegrations(config: LatchConfig): Promise<string> {
  return withIntegrations(config, async (integrations) => {
    const all = await integrations.list();
    if (all.length === 0) return 'No integrations yet: npx latch integrations add NAME --type auth-api';
    const policy = (i: Integration) => (i.policy ? JSON.stringify(i.policy) : '-');
    const rows = all.map((i) => [
      i.name,
      i.legacyV1 ? `${i.type} +v1` : i.type,
      i.ikey,
      when(i.createdAt),
      when(i.secretRotatedAt),
      policy(i),
    ]);
    return table(['NAME', 'TYPE', 'INTEGRATION KEY', 'CREATED', 'SECRET ROTATED', 'POLICY'], rows);
  });
}

export function removeIntegration(config: LatchConfig, keyOrName: string): Promise<string> {
  return withIntegrations(config, async (integrations) => {
    const removed = await integrations.remove(keyOrName);
    if (!removed) throw new Error(`there is no integration "${keyOrName}" (see npx latch integrations list)`);
    return `Removed integration "${removed.name}" (${removed.ikey}); its keys stop working at once.`;
  });
}

export function rotateIntegrationSecret(config: LatchConfig, keyOrName: string): Promise<string> {
  return withIntegrations(config, async (integrations) => {
    const rotated = await integrations.rotateSecret(keyOrName);
    if (!rotated) throw new Error(`there is no integration "${keyOrName}" (see npx latch integrations list)`);
    return `${shown(config, rotated, 'New secret key for')}\nThe old secret key stopped working: put the new one in the client's configuration.`;
  });
}
