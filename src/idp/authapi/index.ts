import type { AuthLog } from '../../authn/auth-log.ts';
import type { FactorChanges } from '../../authn/factor-changes.ts';
import type { SignInFlow } from '../../authn/flow.ts';
import type { PolicyResolver } from '../../authn/policy.ts';
import type { TransactionStore } from '../../authn/transaction.ts';
import type { LatchConfig } from '../../config/schema.ts';
import type { AccountCheck } from '../../directory/account-check.ts';
import type { Directory } from '../../directory/contract.ts';
import type { Route } from '../../http/route.ts';
import { SecretBox } from '../../keys/secret-box.ts';
import type { Passcodes } from '../../methods/passcodes/passcodes.ts';
import type { Push } from '../../methods/push/push.ts';
import type { Store } from '../../store/contract.ts';
import type { BrowserCookies } from '../signin/cookies.ts';
import type { SignInService } from '../signin/service.ts';
import { Integrations } from './integrations.ts';
import { legacyRoutes } from './legacy-v1.ts';
import { authApiRoutes } from './routes.ts';
import { SecondFactor } from './second-factor.ts';
import { AuthApi } from './service.ts';
import { universalPromptRoutes } from './universal/routes.ts';

// The Auth API and Universal Prompt front end, built from the services: its integrations (in the
// store) and its routes.

export interface AuthApiFrontEndDeps {
  config: LatchConfig;
  store: Store;
  serverSecret: Buffer;
  directory: Directory;
  accounts: AccountCheck;
  flow: SignInFlow;
  transactions: TransactionStore;
  policies: PolicyResolver;
  passcodes: Passcodes;
  push: Push;
  factorChanges: FactorChanges;
  authLog: AuthLog;
  signIn: SignInService;
  cookies: BrowserCookies;
}

export interface AuthApiFrontEnd {
  integrations: Integrations;
  routes: Route[];
}

/** The integrations of this store (the command line opens them the same way). */
export function openIntegrations(store: Store, serverSecret: Buffer): Integrations {
  return new Integrations(store, new SecretBox(serverSecret));
}

export function createAuthApi(deps: AuthApiFrontEndDeps): AuthApiFrontEnd {
  const { config } = deps;
  const integrations = openIntegrations(deps.store, deps.serverSecret);
  const secondFactor = new SecondFactor(deps);
  const baseUrl = config.server.baseUrl;
  const authApi = new AuthApi({ ...deps, config: config.authApi, baseUrl, secondFactor });
  const clockSkewMs = config.authApi.clockSkew;
  const routes = [
    ...authApiRoutes({ ...deps, authApi, integrations, baseUrl, clockSkewMs }),
    ...legacyRoutes({ authApi, integrations, baseUrl, clockSkewMs }),
    ...universalPromptRoutes({ ...deps, integrations, baseUrl, clockSkewMs, maxBodyBytes: config.server.maxBodyBytes }),
  ];
  return { integrations, routes };
}
