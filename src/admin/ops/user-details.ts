import { z } from 'zod';
import type { AdminDeps } from '../deps.ts';

// A user's authenticators, through each sign-in method's own `authenticators` interface
// (src/methods/method.ts), so a method added later shows up here without a change.

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

export async function authenticatorsOf(deps: Pick<AdminDeps, 'methods'>, userId: string): Promise<AuthenticatorView[]> {
  const lists = await Promise.all(
    deps.methods.map(async (method) => {
      const holder = method.authenticators;
      if (!holder) return [];
      return (await holder.list(userId)).map((a) => ({ method: method.id, ...a, factor: holder.factor }));
    }),
  );
  return lists.flat();
}

/** 'Security key "YubiKey 5" (passwordless)'. */
export function describeAuthenticator(a: Pick<AuthenticatorView, 'kind' | 'name' | 'passwordless'>): string {
  const named = a.name && a.name !== a.kind ? `${a.kind} "${a.name}"` : a.kind;
  return a.passwordless ? `${named} (passwordless)` : named;
}
