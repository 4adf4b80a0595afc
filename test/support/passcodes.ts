import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { runLatch, type CommandResult } from './commands.ts';

// Codes as an authenticator app or token computes them (otpauth directly, not Latch's wrapper),
// and the `latch` commands of second factors.

/** The TOTP code of a base32 secret, `steps` time steps from now (30 s, 6 digits, SHA-1). */
export function totpCode(secret: string, steps = 0, digits = 6, period = 30): string {
  return OTPAuth.TOTP.generate({
    secret: OTPAuth.Secret.fromBase32(secret.replace(/\s/g, '')),
    digits,
    period,
    timestamp: Date.now() + steps * period * 1000,
  });
}

export function hotpCode(hexSecret: string, counter: number): string {
  return OTPAuth.HOTP.generate({ secret: OTPAuth.Secret.fromHex(hexSecret), counter });
}

/** A 6-digit code that is not `code`. */
export function otherCode(code: string): string {
  return String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
}

/** Runs `latch ARGS` and expects exit 0; returns stdout. */
export async function latchOk(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const result = await runLatch(args, { env });
  assert.equal(result.code, 0, `latch ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Runs `latch ARGS` and expects it to fail with exit 2 and a message. */
export async function latchFails(env: NodeJS.ProcessEnv, args: string[]): Promise<CommandResult> {
  const result = await runLatch(args, { env });
  assert.equal(result.code, 2, `latch ${args.join(' ')} should fail; stdout:\n${result.stdout}`);
  return result;
}

/** The codes printed by `latch bypass-codes generate`. */
export function printedBypassCodes(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}(\d{5} \d{5})$/gm)].map((m) => m[1]!);
}
