import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The CLI authenticator's accounts, in one JSON file that only its owner may read (0600, in a
// 0700 directory): the device's private key lives there, as the phone keeps its key in its store.

export type Account = {
  baseUrl: string;
  user: string;
  displayName: string;
  deviceId: string;
  deviceName: string;
  privateKey: JsonWebKey;
  totpSecret: string;
  activatedAt: number;
};

type StateFile = { accounts: Account[] };

export function homeDir(flag: string | undefined): string {
  return path.resolve(flag ?? process.env.LATCH_AUTHENTICATOR_HOME ?? path.join(os.homedir(), '.latch-authenticator'));
}

export class AuthenticatorState {
  readonly file: string;

  constructor(readonly home: string) {
    this.file = path.join(home, 'accounts.json');
  }

  read(): Account[] {
    if (!fs.existsSync(this.file)) return [];
    const mode = fs.statSync(this.file).mode & 0o077;
    if (mode !== 0)
      throw new Error(
        `${this.file} can be read by other users (mode ${(fs.statSync(this.file).mode & 0o777).toString(8)}); run chmod 600 on it first`,
      );
    return (JSON.parse(fs.readFileSync(this.file, 'utf8')) as StateFile).accounts;
  }

  /** Adds the account, replacing an earlier activation of the same user on the same Latch. */
  save(account: Account): void {
    const accounts = this.read().filter(
      (a) => !(a.baseUrl === account.baseUrl && a.user.toLowerCase() === account.user.toLowerCase()),
    );
    accounts.push(account);
    fs.mkdirSync(this.home, { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ accounts } satisfies StateFile, null, 2), { mode: 0o600 });
    fs.renameSync(temp, this.file);
  }

  /** The account named by `--account USER` (or USER@URL), or the only one. */
  pick(selector: string | undefined): Account {
    const accounts = this.read();
    if (accounts.length === 0)
      throw new Error('No account is activated yet. Run: latch-authenticator activate "ACTIVATION LINK"');
    if (!selector) {
      if (accounts.length > 1)
        throw new Error(
          `Several accounts are activated (${accounts.map(label).join(', ')}); choose one with --account USER`,
        );
      return accounts[0]!;
    }
    const found = accounts.filter((a) => selector === a.user || selector === label(a));
    if (found.length !== 1)
      throw new Error(`No single account matches "${selector}"; activated: ${accounts.map(label).join(', ')}`);
    return found[0]!;
  }
}

export const label = (a: Account) => `${a.user}@${a.baseUrl}`;
