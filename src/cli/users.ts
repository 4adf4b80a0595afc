import type { LatchConfig } from '../config/schema.ts';
import { hashPassword } from '../directory/password-hash.ts';
import {
  newUserId,
  normalizeLogin,
  readUsersFile,
  writeUsersFile,
  type LocalUserRecord,
} from '../directory/local-file.ts';
import { askNewPassword } from './prompt-password.ts';
import { table } from './table.ts';

// `latch user …`: manage the local user directory (directory.type: local).

export interface UserAddOptions {
  email?: string;
  displayName?: string;
  groups: string[];
  passwordStdin: boolean;
}

const USERNAME = /^[\p{L}\p{N}._@+-]{1,64}$/u;
const MIN_PASSWORD = 8;

function fileOf(config: LatchConfig): string {
  if (config.directory.type !== 'local')
    throw new Error(`directory.type is "${config.directory.type}": users live in that directory, not in Latch`);
  return config.directory.local.file!;
}

function findName(users: Record<string, LocalUserRecord>, name: string): string | undefined {
  return Object.keys(users).find((existing) => normalizeLogin(existing) === normalizeLogin(name));
}

export async function addUser(config: LatchConfig, name: string, options: UserAddOptions): Promise<string> {
  if (!USERNAME.test(name)) throw new Error(`username "${name}": expected 1–64 letters, digits or . _ @ + -`);
  const file = fileOf(config);
  const users = readUsersFile(file);
  if (findName(users, name))
    throw new Error(`user "${name}" already exists; use \`latch user passwd ${name}\` to change the password`);
  const password = await askNewPassword(options.passwordStdin);
  if (password.length < MIN_PASSWORD)
    throw new Error(`the password must have at least ${MIN_PASSWORD} characters; nothing was changed`);
  users[name] = {
    id: newUserId(),
    ...(options.displayName ? { displayName: options.displayName } : {}),
    ...(options.email ? { email: options.email } : {}),
    groups: options.groups,
    password: await hashPassword(password),
    disabled: false,
  };
  writeUsersFile(file, users);
  return `Added user ${name}${options.groups.length ? ` (groups: ${options.groups.join(', ')})` : ''} to ${file}.`;
}

export async function changePassword(config: LatchConfig, name: string, passwordStdin: boolean): Promise<string> {
  const file = fileOf(config);
  const users = readUsersFile(file);
  const existing = findName(users, name);
  if (!existing) throw new Error(`there is no user "${name}"`);
  const password = await askNewPassword(passwordStdin);
  if (password.length < MIN_PASSWORD)
    throw new Error(`the password must have at least ${MIN_PASSWORD} characters; nothing was changed`);
  users[existing]!.password = await hashPassword(password);
  writeUsersFile(file, users);
  return `Changed the password of ${existing}.`;
}

export function removeUser(config: LatchConfig, name: string): string {
  const file = fileOf(config);
  const users = readUsersFile(file);
  const existing = findName(users, name);
  if (!existing) throw new Error(`there is no user "${name}"`);
  delete users[existing];
  writeUsersFile(file, users);
  return `Removed user ${existing}.`;
}

export function listUsers(config: LatchConfig): string {
  const users = Object.entries(readUsersFile(fileOf(config)));
  if (users.length === 0) return 'No users yet. Add one with: npx latch user add NAME';
  const rows = users.map(([name, u]) => [
    name,
    u.displayName ?? '',
    u.email ?? '',
    u.groups.join(','),
    u.disabled ? 'disabled' : '',
  ]);
  return table(['USERNAME', 'DISPLAY NAME', 'EMAIL', 'GROUPS', ''], rows);
}
