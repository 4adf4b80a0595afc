import { readFileSync, statSync, writeFileSync, renameSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { z } from 'zod';
import {
  checkSearchLimit,
  type BeforePasswordCheck,
  type Directory,
  type DirectoryUser,
  type PasswordCheck,
  type UserQuery,
  type UserSearch,
  type UserSearchResult,
} from './contract.ts';
import { burnPasswordCheck, isPasswordHash, verifyPassword } from './password-hash.ts';

// The embedded user directory: a YAML file of users, managed with `npx latch user …`. The
// server re-reads it when it changes, so users added from the command line can sign in at once.

const userRecord = z.strictObject({
  id: z.string().min(1),
  displayName: z.string().optional(),
  email: z.string().optional(),
  groups: z.array(z.string()).default([]),
  password: z.string().refine(isPasswordHash, 'expected a "$scrypt$…" hash written by `npx latch user add`'),
  disabled: z.boolean().default(false),
});
const usersFile = z.strictObject({ users: z.record(z.string(), userRecord).default({}) });

export type LocalUserRecord = z.infer<typeof userRecord>;
export type LocalUsers = Record<string, LocalUserRecord>;

/** Usernames are matched without regard to case or Unicode form, as Active Directory does. */
export function normalizeLogin(login: string): string {
  return login.normalize('NFC').trim().toLowerCase();
}

export function readUsersFile(file: string): LocalUsers {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  const parsed = usersFile.safeParse(YAML.parse(text) ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`${file}: ${problems.join('; ')}`);
  }
  return parsed.data.users;
}

/** Writes the whole file atomically, readable by its owner only (it holds password hashes). */
export function writeUsersFile(file: string, users: LocalUsers): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const header = '# Latch local users. Manage with `npx latch user add|list|passwd|remove`.\n';
  writeFileSync(temp, header + YAML.stringify({ users }), { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

export function newUserId(): string {
  return randomUUID();
}

function toDirectoryUser(username: string, record: LocalUserRecord): DirectoryUser {
  const attributes: Record<string, string | string[]> = { username };
  if (record.email) attributes.email = record.email;
  if (record.displayName) attributes.displayName = record.displayName;
  return {
    id: record.id,
    username,
    email: record.email,
    displayName: record.displayName,
    groups: record.groups,
    attributes,
    ...(record.disabled ? { disabled: true } : {}),
  };
}

export class LocalFileDirectory implements Directory, UserSearch {
  readonly kind = 'local';
  private users: LocalUsers = {};
  private loadedMtime = -1;
  private checkedAt = 0;

  constructor(private readonly file: string) {
    this.reload();
  }

  async findUser(login: string): Promise<DirectoryUser | undefined> {
    const found = this.lookup(login);
    return found && toDirectoryUser(found[0], found[1]);
  }

  async findUserById(id: string): Promise<DirectoryUser | undefined> {
    this.refresh();
    const entry = Object.entries(this.users).find(([, record]) => record.id === id);
    return entry && toDirectoryUser(entry[0], entry[1]);
  }

  async verifyPassword(login: string, password: string, beforeCheck?: BeforePasswordCheck): Promise<PasswordCheck> {
    if (password === '') return { ok: false, reason: 'empty-password' };
    const found = this.lookup(login);
    const user = found && toDirectoryUser(...found);
    if (beforeCheck && (await beforeCheck(user)) === 'stop') return { ok: false, reason: 'not-checked' };
    if (!found || !user) {
      await burnPasswordCheck(password);
      return { ok: false, reason: 'user-not-found' };
    }
    const matches = await verifyPassword(password, found[1].password);
    if (!matches) return { ok: false, reason: 'invalid-credentials' };
    if (user.disabled) return { ok: false, reason: 'account-disabled' };
    return { ok: true, user };
  }

  async ping(): Promise<void> {
    this.refresh(true);
  }

  async searchUsers(query: UserQuery): Promise<UserSearchResult> {
    const limit = checkSearchLimit(query.limit);
    this.refresh();
    const text = normalizeLogin(query.text ?? '');
    const group = query.group?.trim().toLowerCase();
    const matching = Object.entries(this.users)
      .filter(([, record]) => !group || record.groups.some((g) => g.toLowerCase() === group))
      .filter(
        ([name, record]) =>
          !text ||
          [name, record.email, record.displayName].some((v) => v !== undefined && normalizeLogin(v).includes(text)),
      )
      .sort(([a], [b]) => a.localeCompare(b));
    return {
      users: matching.slice(0, limit).map(([name, record]) => toDirectoryUser(name, record)),
      more: matching.length > limit,
    };
  }

  async eachUserPage(onPage: (users: DirectoryUser[]) => Promise<void>): Promise<void> {
    this.refresh();
    await onPage(Object.entries(this.users).map(([name, record]) => toDirectoryUser(name, record)));
  }

  async close(): Promise<void> {}

  private lookup(login: string): [string, LocalUserRecord] | undefined {
    this.refresh();
    const wanted = normalizeLogin(login);
    if (wanted === '') return undefined;
    return Object.entries(this.users).find(
      ([name, record]) =>
        normalizeLogin(name) === wanted || (record.email !== undefined && normalizeLogin(record.email) === wanted),
    );
  }

  /** Re-reads the file when it changed; checks at most once a second unless forced. */
  private refresh(force = false): void {
    const now = Date.now();
    if (!force && now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    this.reload();
  }

  private reload(): void {
    let mtime: number;
    try {
      mtime = statSync(this.file).mtimeMs;
    } catch {
      mtime = 0;
    }
    if (mtime === this.loadedMtime) return;
    this.users = readUsersFile(this.file);
    this.loadedMtime = mtime;
  }
}
