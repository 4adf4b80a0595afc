import type { Directory, DirectoryUser } from './contract.ts';

// Whether an account that signed in earlier may still be used, and who it is now (its groups):
// what single sign-on, OIDC refresh and userinfo, and the account pages ask before they act on an
// old sign-in. A directory server's "usable" answers are kept for a short, configured time
// (directory.accountCheckCache) so that busy single sign-on does not cost a search per request; a
// disabled, locked, expired or deleted account, or one taken out of requiredGroup, stops working
// within that time. Refusals are not kept, so an account enabled again works at once. The local
// user file is in memory and re-read when it changes, so it is asked every time: keeping its
// answers would only delay a `disabled: true`.

export type AccountRefusal = 'disabled' | 'deleted';

export type AccountStatus =
  | { usable: true; user: DirectoryUser }
  /** `user`: as the directory has it, when it still has it. */
  | { usable: false; reason: AccountRefusal; user?: DirectoryUser };

/** For the authentication log. */
export const REFUSAL_REASONS: Record<AccountRefusal, string> = {
  disabled: 'the directory no longer lets this account sign in (disabled, locked, expired, or outside requiredGroup)',
  deleted: 'the account is no longer in the directory',
};

export interface AccountCheckOptions {
  /** How long an answer is kept; 0 asks the directory every time. */
  lifetimeMs: number;
  /** At most this many answers are kept; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

interface Kept {
  at: number;
  status: Promise<AccountStatus>;
}

export class AccountCheck {
  private readonly kept = new Map<string, Kept>();
  private readonly now: () => number;

  constructor(
    private readonly directory: Pick<Directory, 'findUserById'>,
    private readonly options: AccountCheckOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The account's status. Only "usable" answers are kept: a refusal is asked again next time, so
   * an account enabled again works at once. Rejects when the directory does not answer.
   */
  check(userId: string): Promise<AccountStatus> {
    const now = this.now();
    const kept = this.kept.get(userId);
    if (kept && now - kept.at < this.options.lifetimeMs) return kept.status;
    const status = this.ask(userId);
    if (this.options.lifetimeMs > 0) this.keep(userId, { at: now, status });
    return status;
  }

  private async ask(userId: string): Promise<AccountStatus> {
    const user = await this.directory.findUserById(userId);
    if (!user) return { usable: false, reason: 'deleted' };
    if (user.disabled) return { usable: false, reason: 'disabled', user };
    return { usable: true, user };
  }

  private keep(userId: string, entry: Kept): void {
    this.kept.delete(userId);
    this.kept.set(userId, entry);
    const max = this.options.maxEntries ?? 10_000;
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= max) break;
      this.kept.delete(oldest);
    }
    // Concurrent checks share the lookup; only a usable answer stays.
    const drop = () => {
      if (this.kept.get(userId) === entry) this.kept.delete(userId);
    };
    entry.status.then((status) => {
      if (!status.usable) drop();
    }, drop);
  }
}

/** The check for this directory: a directory server's answers are kept for `lifetimeMs`, the local file's are not. */
export function accountCheckFor(directory: Directory, lifetimeMs: number): AccountCheck {
  return new AccountCheck(directory, { lifetimeMs: directory.kind === 'local' ? 0 : lifetimeMs });
}
