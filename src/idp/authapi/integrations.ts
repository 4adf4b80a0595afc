import { randomBytes, randomInt } from 'node:crypto';
import type { PolicyLayer } from '../../config/policy.ts';
import type { SecretBox } from '../../keys/secret-box.ts';
import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';

// Integrations: the clients of the Auth API (pam_duo, login_duo, logon clients) and of the
// Universal Prompt (web applications). Each has an integration key (public, 20 characters) and a
// secret key (40 characters) that signs its requests, and is an application for policy: its own
// layer, its name in the authentication log and on the phone. They live in the store, so every
// node sees one made with `latch integrations add` at once. The secret key is needed in clear to
// check HMAC signatures, so it is kept sealed under the server secret, never hashed.

export const INTEGRATION_TYPES = ['auth-api', 'universal-prompt'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

export type Integration = {
  /** "DI" and 18 upper-case letters and digits, as the clients check. */
  ikey: string;
  name: string;
  type: IntegrationType;
  /** Sealed (SecretBox, the ikey as associated data). */
  secret: string;
  policy?: PolicyLayer;
  /**
   * Also serve duo_unix 1.x's legacy /rest/v1 API to this integration. Its signatures carry no
   * date, so a captured request can be replayed at any time: off unless asked for.
   */
  legacyV1?: boolean;
  createdAt: number;
  secretRotatedAt?: number;
};

/** An integration with its secret key opened, for checking a signature. */
export type OpenIntegration = Omit<Integration, 'secret'> & { secret: string };

const integrationRecords = records.authApiIntegration.holding<Integration>();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const IKEY_PATTERN = /^DI[A-Z0-9]{18}$/;

/** The policy id of an integration: its applications' layer is registered under it. */
export const appIdOf = (ikey: string): string => `integration:${ikey}`;

function newIkey(): string {
  return `DI${Array.from({ length: 18 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`;
}

/** 40 characters from 30 random bytes (240 bits), base64url: letters, digits, "-" and "_". */
function newSecret(): string {
  return randomBytes(30).toString('base64url');
}

export class Integrations {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  /** Makes an integration; the secret key is returned this once. */
  async add(input: {
    name: string;
    type: IntegrationType;
    policy?: PolicyLayer;
    legacyV1?: boolean;
  }): Promise<OpenIntegration> {
    if ((await this.findByName(input.name)) !== undefined)
      throw new Error(`an integration named "${input.name}" already exists`);
    for (;;) {
      const ikey = newIkey();
      const secret = newSecret();
      const integration: Integration = { ikey, ...input, secret: this.box.seal(secret, ikey), createdAt: Date.now() };
      if (!(await integrationRecords.createIfAbsent(this.store, ikey, integration))) continue;
      await records.authApiIntegrations.add(this.store, ikey);
      return { ...integration, secret };
    }
  }

  /** The integration of this key with its secret opened; undefined when there is none. */
  async open(ikey: string): Promise<OpenIntegration | undefined> {
    if (!IKEY_PATTERN.test(ikey)) return undefined;
    const found = await integrationRecords.get(this.store, ikey);
    return found && { ...found, secret: this.box.open(found.secret, ikey) };
  }

  async list(): Promise<Integration[]> {
    const all: Integration[] = [];
    for (const ikey of await records.authApiIntegrations.list(this.store)) {
      const found = await integrationRecords.get(this.store, ikey);
      if (found) all.push(found);
    }
    return all.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** By integration key or name. */
  async find(keyOrName: string): Promise<Integration | undefined> {
    return (
      (IKEY_PATTERN.test(keyOrName) ? await integrationRecords.get(this.store, keyOrName) : undefined) ??
      this.findByName(keyOrName)
    );
  }

  async remove(keyOrName: string): Promise<Integration | undefined> {
    const found = await this.find(keyOrName);
    if (!found) return undefined;
    await integrationRecords.delete(this.store, found.ikey);
    await records.authApiIntegrations.remove(this.store, found.ikey);
    return found;
  }

  /** A new secret key; the old one stops working at once. Returns the new one, this once. */
  async rotateSecret(keyOrName: string): Promise<OpenIntegration | undefined> {
    const found = await this.find(keyOrName);
    if (!found) return undefined;
    const loaded = await integrationRecords.getVersioned(this.store, found.ikey);
    if (!loaded) return undefined;
    const secret = newSecret();
    const next: Integration = {
      ...loaded.value,
      secret: this.box.seal(secret, found.ikey),
      secretRotatedAt: Date.now(),
    };
    if (!(await integrationRecords.compareAndSet(this.store, found.ikey, loaded.version, next))) {
      throw new Error('the integration changed while its secret was rotated; run the command again');
    }
    return { ...next, secret };
  }

  private async findByName(name: string): Promise<Integration | undefined> {
    return (await this.list()).find((i) => i.name.toLowerCase() === name.toLowerCase());
  }
}
