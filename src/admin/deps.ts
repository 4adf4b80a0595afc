import type { Logger } from 'pino';
import type { AuthLog } from '../authn/auth-log.ts';
import type { ConditionChecker } from '../authn/conditions.ts';
import type { ConsolePolicyStore, FollowedPolicy } from '../authn/console-policy.ts';
import type { PolicyResolver } from '../authn/policy.ts';
import type { UserBrowsers } from '../authn/user-browsers.ts';
import type { LatchConfig } from '../config/schema.ts';
import type { Directory, UserSearch } from '../directory/contract.ts';
import type { OidcFrontEnd } from '../idp/oidc/index.ts';
import type { SamlIdp } from '../idp/saml/idp.ts';
import type { SessionStore } from '../idp/signin/session.ts';
import type { SignInMethod } from '../methods/method.ts';
import type { Passcodes } from '../methods/passcodes/passcodes.ts';
import type { Push } from '../methods/push/push.ts';
import type { Store } from '../store/contract.ts';
import type { AdminAudit } from './audit.ts';
import type { AdminRoleGrants } from './granted-roles.ts';
import type { AdminTokens } from './tokens.ts';

// What the console's operations work on: Latch's parts (built by src/services.ts) and the
// console's own (tokens, audit).

export interface AdminDeps {
  config: LatchConfig;
  log: Logger;
  store: Store;
  directory: Directory & UserSearch;
  methods: SignInMethod[];
  /** A user's browsers (the account page's list): listed and forgotten with the authenticators. */
  browsers: UserBrowsers;
  passcodes: Passcodes;
  push: Push;
  sessions: SessionStore;
  saml: SamlIdp;
  oidc: OidcFrontEnd;
  policies: PolicyResolver;
  /** Which named networks exist, so a layer's network rules are checked as the config's are. */
  conditions: ConditionChecker;
  consolePolicy: { store: ConsolePolicyStore } & FollowedPolicy;
  authLog: AuthLog;
  tokens: AdminTokens;
  audit: AdminAudit;
  /** The admin roles granted in the console (beside the file's admin.users and admin.groups). */
  roleGrants: AdminRoleGrants;
}
