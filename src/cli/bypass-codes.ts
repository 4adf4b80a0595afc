import type { LatchConfig } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import { when, withSecondFactors } from './second-factor-admin.ts';
import { table } from './table.ts';

// `latch bypass-codes …`: codes an admin gives a user who cannot use their second factor.

export interface GenerateOptions {
  count?: string;
  uses?: string;
  expires?: string;
}

const MAX_COUNT = 100;
const MAX_USES = 100;
const MAX_LIFETIME_MS = 365 * 86_400_000;

function wholeNumber(option: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max)
    throw new Error(`--${option} "${text}": expected a whole number from 1 to ${max}; nothing was generated`);
  return n;
}

/** Checks every option before anything is written, so a bad one changes nothing. */
export function parseGenerateOptions(options: GenerateOptions): { count: number; uses: number; lifetimeMs: number } {
  const count = wholeNumber('count', options.count, 1, MAX_COUNT);
  const uses = wholeNumber('uses', options.uses, 1, MAX_USES);
  const lifetimeMs = options.expires === undefined ? 86_400_000 : parseDuration(options.expires);
  if (lifetimeMs === undefined || lifetimeMs < 60_000 || lifetimeMs > MAX_LIFETIME_MS) {
    throw new Error(
      `--expires "${options.expires}": expected a duration from 1m to 365d, such as "8h" or "7d"; nothing was generated`,
    );
  }
  return { count, uses, lifetimeMs };
}

export async function generateBypassCodes(
  config: LatchConfig,
  name: string,
  options: GenerateOptions,
): Promise<string> {
  const batch = parseGenerateOptions(options);
  return withSecondFactors(config, async ({ passcodes, user }) => {
    const target = await user(name);
    const codes = await passcodes.bypassCodes.generate(target.id, batch);
    const what = codes.length === 1 ? '1 bypass code' : `${codes.length} bypass codes`;
    const uses = batch.uses === 1 ? 'one use' : `${batch.uses} uses`;
    return [
      `${what} for ${target.username}, ${codes.length === 1 ? 'good' : 'each good'} for ${uses}, until ${when(Date.now() + batch.lifetimeMs)}.`,
      `They are shown only now and cannot be shown again: give them to ${target.username} safely.`,
      '',
      ...codes.map((code) => `  ${code}`),
    ].join('\n');
  });
}

export async function listBypassCodes(config: LatchConfig, name: string): Promise<string> {
  return withSecondFactors(config, async ({ passcodes, user }) => {
    const target = await user(name);
    const codes = await passcodes.bypassCodes.list(target.id);
    if (codes.length === 0) return `${target.username} has no usable bypass codes.`;
    const rows = codes.map((c) => [when(c.createdAt), `${c.usesLeft} of ${c.uses}`, when(c.expiresAt)]);
    return `${target.username} has ${codes.length} usable bypass code(s) (the codes themselves are never shown again):\n${table(['CREATED', 'USES LEFT', 'EXPIRES'], rows)}`;
  });
}

export async function revokeBypassCodes(config: LatchConfig, name: string): Promise<string> {
  return withSecondFactors(config, async ({ passcodes, user }) => {
    const target = await user(name);
    const revoked = await passcodes.bypassCodes.revoke(target.id);
    return `Revoked ${revoked} bypass code(s) of ${target.username}.`;
  });
}
