import { z } from 'zod';
import type { DirectoryUser } from '../../directory/contract.ts';
import { LatchError } from '../../util/errors.ts';
import type { AdminDeps } from '../deps.ts';

// Schemas and look-ups the operations share.

export const usernameParam = z.strictObject({
  username: z.string().min(1).max(256).describe('The username (or email) the user signs in with.'),
});

export const formatQuery = z
  .enum(['csv', 'json'], { error: 'expected csv or json' })
  .default('csv')
  .describe('csv (the default) or json.');

/** A whole number in a query string ("50"). */
export const queryInt = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int(`expected a whole number from ${min} to ${max}`)
    .min(min, `expected at least ${min}`)
    .max(max, `expected at most ${max}`);

/** A time in a query string: ISO 8601 ("2026-11-01", "2026-11-01T12:00:00Z") or epoch milliseconds. */
export const queryTime = z
  .string()
  .refine(
    (v) => /^\d{1,15}$/.test(v) || (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v))),
    'expected an ISO 8601 time such as 2026-11-01T12:00:00Z, or epoch milliseconds',
  )
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)));

export const notFound = (what: string, detail?: string) =>
  new LatchError({
    status: 404,
    code: 'not_found',
    publicMessage: `${what} was not found.`,
    ...(detail ? { detail } : {}),
  });

/** The directory user with this login, or 404. */
export async function userNamed(deps: AdminDeps, username: string): Promise<DirectoryUser> {
  const user = await deps.directory.findUser(username);
  if (!user)
    throw notFound(
      `No user "${username}"`,
      `the ${deps.directory.kind} directory has no user ${JSON.stringify(username)}`,
    );
  return user;
}

export const time = (ms: number | undefined | null) =>
  ms === undefined || ms === null ? '' : new Date(ms).toISOString();
