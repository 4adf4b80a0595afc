import type { LatchConfig } from '../config/schema.ts';
import { describe } from '../methods/passcodes/records.ts';
import { when, withSecondFactors } from './second-factor-admin.ts';
import { table } from './table.ts';

// `latch passcodes …`: a user's authenticator apps and hardware tokens, e.g. to remove the app on
// a lost phone (the user then enrolls a new one, when policy requires a second factor).

export async function listPasscodes(config: LatchConfig, name: string): Promise<string> {
  return withSecondFactors(config, async ({ passcodes, user }) => {
    const target = await user(name);
    const credentials = await passcodes.credentials.listForUser(target.id);
    if (credentials.length === 0) return `${target.username} has no authenticator app or token.`;
    const rows = credentials.map((c) => [c.id, describe(c), when(c.createdAt), when(c.lastUsedAt)]);
    return table(['ID', 'WHAT', 'ADDED', 'LAST USED'], rows);
  });
}

export async function removePasscode(config: LatchConfig, name: string, id: string | undefined): Promise<string> {
  if (!id) throw new Error(`missing ID: see \`latch passcodes list ${name}\``);
  return withSecondFactors(config, async ({ passcodes, user }) => {
    const target = await user(name);
    const removed = await passcodes.credentials.remove(target.id, id);
    if (!removed)
      throw new Error(
        `${target.username} has no passcode credential "${id}"; see \`latch passcodes list ${target.username}\``,
      );
    const after = removed.source === 'token' ? ' (the token is back in stock, unassigned)' : '';
    return `Removed the ${describe(removed)} of ${target.username}${after}.`;
  });
}
