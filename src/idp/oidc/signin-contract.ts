import type { Context } from 'koa';
import type { SignInOutcome, SignInRequest } from '../../authn/contract.ts';

// Until src/idp/signin.ts lands on this branch: the front-end sign-in API as planned there.
export interface FrontEndSignIn {
  start(ctx: Context, request: SignInRequest): Promise<SignInOutcome | undefined>;
  finish(ctx: Context): Promise<SignInOutcome | undefined>;
}
