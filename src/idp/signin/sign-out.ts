import type { Protocol } from '../../authn/contract.ts';
import type { Ctx } from '../../http/context.ts';
import type { IdpSession } from './session.ts';

// Signing out of Latch ends one IdP session for every front end that used it. Whoever ends the
// session (the account page, a SAML LogoutRequest, an OIDC relying party's logout) runs the other
// front ends' hooks: OIDC tells its clients over the back channel, SAML walks the browser round
// its service providers (front channel) and only then lets it go where the sign-out leads.

export interface SignOutOptions {
  /**
   * Where the browser goes once every front end is done; absent: the caller shows Latch's
   * signed-out page. A hook that needs the browser (SAML front-channel logout) sends it here at
   * the end of its round.
   */
  returnTo?: string;
}

/** Ends a front end's part of an IdP session that has just ended. May take the browser (set ctx's response). */
export type SignOutHook = (ctx: Ctx, session: IdpSession, options: SignOutOptions) => Promise<void>;

export class SignOutHooks {
  private readonly hooks = new Map<Protocol, SignOutHook>();

  /** One hook per front end; they run in the order they were first set. */
  set(protocol: Protocol, hook: SignOutHook): void {
    this.hooks.set(protocol, hook);
  }

  /** Runs every hook but the one of the front end that started the sign-out (it answers its own peer). */
  async run(ctx: Ctx, session: IdpSession, options: SignOutOptions & { except?: Protocol } = {}): Promise<void> {
    const { except, ...rest } = options;
    for (const [protocol, hook] of this.hooks) if (protocol !== except) await hook(ctx, session, rest);
  }
}
