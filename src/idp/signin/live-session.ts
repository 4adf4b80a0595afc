import type { AuthEvent } from '../../authn/auth-log.ts';
import { REFUSAL_REASONS, type AccountStatus } from '../../directory/account-check.ts';
import type { Ctx } from '../../http/context.ts';
import type { BrowserCookies } from './cookies.ts';
import type { IdpSession, SessionStore } from './session.ts';

// This browser's IdP session, for anything that acts on it without a new sign-in (single sign-on,
// the account pages): its user as the directory has them now, so policy judges today's groups.
// When the directory no longer lets the account sign in (disabled, locked, expired, outside
// requiredGroup, deleted), the session is ended, its cookie cleared, the refusal logged, and the
// browser is treated as signed out. The front ends' sign-out hooks are not run: SAML's takes the
// browser round the SPs, which this request needs for the prompt or the SP's answer, and OIDC's
// would end oidc-provider's session in the middle of an authorization request; the account's OIDC
// tokens are refused on their own (oidc/account.ts).

export interface LiveSessionDeps {
  sessions: SessionStore;
  cookies: BrowserCookies;
  accounts: { check(userId: string): Promise<AccountStatus> };
  authLog: { record(entry: AuthEvent): Promise<void> };
}

export class LiveSessions {
  constructor(private readonly deps: LiveSessionDeps) {}

  /**
   * The session with its user as of now, for application `appId` (the log names it). Undefined
   * when there is none, when its account may no longer be used (then it is ended), or when the
   * directory does not answer (then it is kept for later).
   */
  async current(ctx: Ctx, appId: string): Promise<IdpSession | undefined> {
    const session = await this.deps.sessions.fromCookie(this.deps.cookies.session(ctx));
    if (!session) return undefined;
    let status: AccountStatus;
    try {
      status = await this.deps.accounts.check(session.user.id);
    } catch (err) {
      // Without an answer the account might be disabled: nothing is answered from the session.
      const reason = `the directory did not answer whether the account is still enabled: ${(err as Error).message}`;
      await this.log(ctx, session, appId, 'error', reason);
      return undefined;
    }
    if (status.usable) return { ...session, user: status.user };
    await this.deps.sessions.end(session.sid);
    this.deps.cookies.clearSession(ctx);
    await this.log(ctx, session, appId, 'denied', `session ended: ${REFUSAL_REASONS[status.reason]}`);
    return undefined;
  }

  private log(ctx: Ctx, session: IdpSession, appId: string, result: string, reason: string): Promise<void> {
    return this.deps.authLog.record({
      event: 'session',
      result,
      reason,
      user: session.user.username,
      userId: session.user.id,
      app: appId,
      ip: ctx.state.clientIp,
      userAgent: (ctx.get('user-agent') || 'unknown').slice(0, 300),
    });
  }
}
