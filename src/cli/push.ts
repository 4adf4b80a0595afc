import { createLogger } from '../ops/logger.ts';
import { PushActivations } from '../methods/push/activation.ts';
import { PushDevices } from '../methods/push/devices.ts';
import { SecretBox } from '../keys/secret-box.ts';
import { loadServerSecret } from '../keys/server-secret.ts';
import { activationUrl } from '../methods/push/protocol.ts';
import type { LatchConfig } from '../config/schema.ts';
import { openDirectory } from '../services.ts';
import { openLatchStore } from '../keys/index.ts';

// `latch push …`: administer users' Latch Authenticators (e.g. a user who lost the phone gets a
// new activation link from the help desk, which replaces the old phone when used).

async function withParts<T>(
  config: LatchConfig,
  body: (parts: {
    devices: PushDevices;
    activations: PushActivations;
    user: (name: string) => Promise<{ id: string; username: string; displayName?: string }>;
  }) => Promise<T>,
): Promise<T> {
  const log = createLogger('silent');
  const store = await openLatchStore(config, log);
  const directory = await openDirectory(config, log);
  try {
    const devices = new PushDevices(store, new SecretBox(await loadServerSecret(store)));
    const user = async (name: string) => {
      const found = await directory.findUser(name);
      if (!found) throw new Error(`there is no user "${name}" in the ${directory.kind} directory`);
      return found;
    };
    return await body({
      devices,
      activations: new PushActivations(store, devices, config.push.activationLifetime),
      user,
    });
  } finally {
    await directory.close();
    await store.close();
  }
}

export function enrollLink(config: LatchConfig, name: string): Promise<string> {
  return withParts(config, async ({ activations, user }) => {
    const found = await user(name);
    const { token, expiresAt } = await activations.issue(found, 'administrator (latch push enroll-link)');
    return `${activationUrl(config.server.baseUrl, token)}\nGive this link to ${found.username}; it activates one phone, once, until ${new Date(expiresAt).toISOString()}, and replaces any phone activated before.`;
  });
}

export function removeDevice(config: LatchConfig, name: string): Promise<string> {
  return withParts(config, async ({ devices, user }) => {
    const found = await user(name);
    const removed = await devices.remove(found.id);
    return removed
      ? `Removed ${removed.name} (${removed.platform}) from ${found.username}.`
      : `${found.username} has no Latch Authenticator.`;
  });
}
