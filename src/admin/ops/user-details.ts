import { z } from 'zod';
import type { RememberedDevices } from '../../authn/remembered-device.ts';
import type { Authenticators } from '../../methods/method.ts';
import type { AdminDeps } from '../deps.ts';

// A user's authenticators, through each sign-in method's own `authenticators` interface
// (src/methods/method.ts), so a method added later shows up here without a change; and the
// browsers they asked to remember, which skip the second factor until forgotten.

export const authenticatorSchema = z.object({
  method: z.string().describe('The sign-in method that holds it (webauthn, passcodes, push, bypass-codes); with `id`, what removal takes.'),
  id: z.string(),
  kind: z.string().describe('What it is ("Security key", "Authenticator app", "Latch Authenticator (android)").'),
  name: z.string(),
  createdAt: z.number().optional(),
  lastUsedAt: z.number().optional(),
  passwordless: z.boolean().describe('Registered as a passkey (or passwordless push): it signs the user in without a password.'),
  factor: z.boolean().describe('A factor the user enrolled (bypass codes are not).'),
});
export type AuthenticatorView = z.infer<typeof authenticatorSchema>;

/** The method id under which remembered browsers are listed and removed. */
export const REMEMBERED_BROWSER = 'remembered-browser';

/** Whatever holds a user's authenticators: each method, and the remembered browsers (not a method, kept by the engine). */
export function authenticatorHolders(deps: Pick<AdminDeps, 'methods' | 'remembered'>): Array<{ id: string; holder: Authenticators }> {
  const methods = deps.methods.flatMap((m) => (m.authenticators ? [{ id: m.id, holder: m.authenticators }] : []));
  return [...methods, { id: REMEMBERED_BROWSER, holder: rememberedBrowsers(deps.remembered) }];
}

/** Remembered browsers as authenticators: one per browser, named by what it covers, removable. */
function rememberedBrowsers(remembered: RememberedDevices): Authenticators {
  return {
    factor: false,
    async list(userId) {
      return (await remembered.list(userId)).map(({ deviceId, entries }) => ({
        id: deviceId,
        kind: 'Remembered browser',
        name: entries.map((e) => `${e.method} for ${e.scope === 'all' ? 'every application' : e.appId}, until ${new Date(e.expiresAt).toISOString().slice(0, 10)}`).join('; '),
        createdAt: Math.min(...entries.map((e) => e.createdAt)),
        passwordless: false,
      }));
    },
    async remove(userId, id) {
      if (!(await remembered.list(userId)).some((b) => b.deviceId === id)) return false;
      await remembered.forget(id, userId);
      return true;
    },
    async removeAll(userId) {
      const all = await remembered.list(userId);
      for (const { deviceId } of all) await remembered.forget(deviceId, userId);
      return all.length;
    },
  };
}

export async function authenticatorsOf(deps: Pick<AdminDeps, 'methods' | 'remembered'>, userId: string): Promise<AuthenticatorView[]> {
  const lists = await Promise.all(
    authenticatorHolders(deps).map(async ({ id, holder }) => (await holder.list(userId)).map((a) => ({ method: id, ...a, factor: holder.factor }))),
  );
  return lists.flat();
}

/** 'Security key "YubiKey 5" (passwordless)'. */
export function describeAuthenticator(a: Pick<AuthenticatorView, 'kind' | 'name' | 'passwordless'>): string {
  const named = a.name && a.name !== a.kind ? `${a.kind} "${a.name}"` : a.kind;
  return a.passwordless ? `${named} (passwordless)` : named;
}
