import { readFileSync } from 'node:fs';
import type { LatchConfig } from '../config/schema.ts';
import { parseTokenCsv, type SecretEncoding } from '../methods/passcodes/token-csv.ts';
import { when, withSecondFactors } from './second-factor-admin.ts';
import { table } from './table.ts';

// `latch tokens …`: hardware OATH tokens, imported from the vendor's CSV file, then assigned to users.

export async function importTokens(
  config: LatchConfig,
  file: string | undefined,
  encoding: string | undefined,
): Promise<string> {
  if (!file) throw new Error('missing FILE: the CSV file of serial,secret,type lines');
  if (encoding !== undefined && encoding !== 'hex' && encoding !== 'base32')
    throw new Error(`--encoding "${encoding}": expected hex or base32; nothing was imported`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing was imported`,
    );
  }
  const tokens = parseTokenCsv(text, (encoding ?? 'hex') as SecretEncoding);
  return withSecondFactors(config, async ({ passcodes }) => {
    const imported = await passcodes.tokens.import(tokens);
    const kinds = ['hotp', 'totp']
      .map((t) => `${tokens.filter((x) => x.type === t).length} ${t.toUpperCase()}`)
      .join(', ');
    return `Imported ${imported} token(s) (${kinds}). Assign each to its user with: latch tokens assign SERIAL USER`;
  });
}

export async function listTokens(config: LatchConfig): Promise<string> {
  return withSecondFactors(config, async ({ passcodes, userName }) => {
    const tokens = await passcodes.tokens.list();
    if (tokens.length === 0) return 'No tokens yet. Import them with: latch tokens import FILE.csv';
    const rows: string[][] = [];
    for (const t of tokens)
      rows.push([
        t.serial ?? '',
        t.type.toUpperCase(),
        String(t.digits),
        t.userId ? await userName(t.userId) : '-',
        when(t.lastUsedAt),
      ]);
    return table(['SERIAL', 'TYPE', 'DIGITS', 'USER', 'LAST USED'], rows);
  });
}

export async function assignToken(
  config: LatchConfig,
  serial: string | undefined,
  name: string | undefined,
): Promise<string> {
  if (!serial || !name) throw new Error('usage: latch tokens assign SERIAL USER');
  return withSecondFactors(config, async ({ passcodes, user }) => {
    const target = await user(name);
    await passcodes.tokens.assign(serial, target.id);
    return `Token ${serial} is now ${target.username}'s.`;
  });
}

export async function unassignToken(config: LatchConfig, serial: string | undefined): Promise<string> {
  if (!serial) throw new Error('usage: latch tokens unassign SERIAL');
  return withSecondFactors(config, async ({ passcodes, userName }) => {
    const owner = await passcodes.tokens.unassign(serial);
    return owner
      ? `Token ${serial} no longer belongs to ${await userName(owner)}.`
      : `Token ${serial} was not assigned to anyone.`;
  });
}

export async function removeToken(config: LatchConfig, serial: string | undefined): Promise<string> {
  if (!serial) throw new Error('usage: latch tokens remove SERIAL');
  return withSecondFactors(config, async ({ passcodes }) => {
    await passcodes.tokens.remove(serial);
    return `Removed token ${serial}.`;
  });
}
