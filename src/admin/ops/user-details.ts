import { z } from 'zod';
import type { UserBrowser, UserBrowsers } from '../../authn/user-browsers.ts';
import type { Authenticators } from '../../methods/method.ts';
import type { AdminDeps } from '../deps.ts';

// A user's authenticators, through each sign-in method's own `authenticators` interface
// (src/methods/method.ts), so a method added later shows up here without a change; and the
// browsers they signed in with (src/authn/user-browsers.ts, the same list as the account page's),
// which may skip the second factor until forgotten.

export const authenticatorSchema = z.object({
  method: z
    .string()
    .describe(
      'The sign-in method that holds it (webauthn, passcodes, push, bypass-codes); with `id`, what removal takes.',
    ),
  id: z.string(),
  kind: z.string().describe('What it is ("Security key", "Authenticator app", "Latch Authenticator (android)").'),
  name: z.string(),
  createdAt: z.number().optional(),
  lastUsedAt: z.number().optional(),
  passwordless: z
    .boolean()
    .describe('Registered as a passkey (or passwordless push): it signs the user in without a password.'),
  factor: z.boolean().describe('A factor the user enrolled (bypass codes are not).'),
});
export type AuthenticatorView = z.infer<typeof authenticatorSchema>;

/** The method id under which a user's browsers are listed and forgotten. */
export const BROWSER = 'browser';

/** Whatever holds a user's authenticators: each method, and the user's browsers (not a method, kept by the engine). */
export function authenticatorHolders(
  deps: Pick<AdminDeps, 'methods' | 'browsers'>,
): Array<{ id: string; holder: Authenticators }> {
  const methods = deps.methods.flatMap((m) => (m.authenticators ? [{ id: m.id, holder: m.authenticators }] : []));
  return [...methods, { id: BROWSER, holder: browsersAsAuthenticators(deps.browsers) }];
}

/** What a browser may skip or do, in words: "skips the second factor for every application until 2026-12-01". */
function trustOf(browser: UserBrowser): string {
  const skips = browser.remembered.map(
    (e) =>
      `skips the second factor for ${e.scope === 'all' ? 'every application' : e.appId} until ${new Date(e.expiresAt).toISOString().slice(0, 10)}`,
  );
  return [...skips, ...browser.trustedFor].join('; ');
}

/** A user's browsers as authenticators: named by browser, address and trust; forgetting one revokes all of it. */
function browsersAsAuthenticators(browsers: UserBrowsers): Authenticators {
  return {
    factor: false,
    async list(userId) {
      return (await browsers.list(userId)).map((b) => ({
        id: b.id,
        kind: 'Browser',
        name: [`${b.label} from ${b.ip}`, trustOf(b)].filter(Boolean).join(': '),
        createdAt: b.firstUsedAt,
        lastUsedAt: b.lastUsedAt,
        passwordless: false,
      }));
    },
    remove: (userId, id) => browsers.revoke(userId, id),
    async removeAll(userId) {
      const all = await browsers.list(userId);
      for (const b of all) await browsers.revoke(userId, b.id);
      return all.length;
    },
  };
}

export async function authenticatorsOf(
  deps: Pick<AdminDeps, 'methods' | 'browsers'>,
  userId: string,
): Promise<AuthenticatorView[]> {
  const lists = await Promise.all(
    authenticatorHolders(deps).map(async ({ id, holder }) =>
      (await holder.list(userId)).map((a) => ({ method: id, ...a, factor: holder.factor })),
    ),
  );
  return lists.flat();
}

/** 'Security key "YubiKey 5" (passwordless)'. */
export function describeAuthenticator(a: Pick<AuthenticatorView, 'kind' | 'name' | 'passwordless'>): string {
  const named = a.name && a.name !== a.kind ? `${a.kind} "${a.name}"` : a.kind;
  return a.passwordless ? `${named} (passwordless)` : named;
}
