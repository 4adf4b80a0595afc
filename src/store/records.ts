import { channel, counter, index, stream, value } from './record-kinds.ts';

// Everything Latch keeps in the store, in one list: every key namespace, index, event stream and
// channel, with the module that writes it (its owner), how long its keys live, and what they hold.
// Keys are built from their parts by the accessors (record-kinds.ts), never written out at a call
// site, and the namespaces cannot collide (records.test.ts). Keys and JSON shapes are those Latch
// has always written, so an existing data directory or Redis keeps working.
//
// Only the owner names its entries here (records.test.ts checks it): it binds the value type with
// `holding<T>()` and offers the rest of Latch functions, not keys. The value types stay with their
// owners (an IdpSession is the sign-in's business): store/ imports nothing from the layers above.

/**
 * oidc-provider's models (its adapter is asked for each by name). A closed set, so that
 * "oidc:<Model>:" keys provably stay apart from the adapter's own "oidc:SessionUid:" and others.
 */
export const OIDC_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'BackchannelAuthenticationRequest',
  'Client',
  'ClientCredentials',
  'DeviceCode',
  'Grant',
  'InitialAccessToken',
  'Interaction',
  'PreAuthorizedCode',
  'PushedAuthorizationRequest',
  'RefreshToken',
  'RegistrationAccessToken',
  'ReplayDetection',
  'Session',
] as const;
export type OidcModel = (typeof OIDC_MODELS)[number];

const UNTIL_DELETED = 'until deleted';

export const records = {
  // ---- Sign-in engine (src/authn/)
  transaction: value({
    prefix: 'tx',
    parts: ['id'],
    ttlPolicy: 'required',
    owner: 'authn/transaction.ts',
    holds: 'LoginTransaction',
    lifetime: 'signIn.transactionLifetime (what is left of it on each transition)',
  }),
  knownDevice: value({
    prefix: 'known-device',
    parts: ['deviceId'],
    ttlPolicy: 'required',
    owner: 'authn/known-device.ts',
    holds: 'the users who completed a second factor in this browser',
    lifetime: 'knownDevice.lifetime, from the last second factor',
  }),
  rememberedDevice: value({
    prefix: 'remembered',
    parts: ['deviceId', 'userId'],
    ttlPolicy: 'required',
    owner: 'authn/remembered-device.ts',
    holds: '"trust this browser" entries',
    lifetime: 'until the last entry expires (policy)',
  }),
  userBrowser: value({
    prefix: 'user-browser',
    parts: ['userId', 'deviceId'],
    ttlPolicy: 'required',
    owner: 'authn/user-browsers.ts',
    holds: 'where and when a user last signed in with a browser, and with what',
    lifetime: 'knownDevice.lifetime, from the last sign-in',
  }),
  browsersOfUser: index({
    prefix: 'user-browsers',
    parts: ['userId'],
    owner: 'authn/user-browsers.ts',
    holds: "the known-device ids of a user's browsers",
  }),
  factorSummary: value({
    prefix: 'factor-summary',
    parts: ['userId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'authn/factor-summary.ts',
    holds: 'FactorSummaryRecord: per method id, whether the user has anything enrolled in it',
    lifetime: UNTIL_DELETED,
  }),
  accountAttempts: counter({
    prefix: 'throttle:account',
    parts: ['accountHash'],
    ttlPolicy: 'required',
    owner: 'authn/throttle.ts',
    holds: 'failed passwords of an account (sha256 of accountOf)',
    lifetime: 'throttle.perAccount.window',
  }),
  addressAttempts: counter({
    prefix: 'throttle:ip',
    parts: ['ip'],
    ttlPolicy: 'required',
    owner: 'authn/throttle.ts',
    holds: 'failed passwords from a client address',
    lifetime: 'throttle.perIp.window',
  }),
  passwordCheckLock: value({
    prefix: 'throttle:password-check',
    parts: ['txId'],
    ttlPolicy: 'required',
    owner: 'authn/throttle.ts',
    holds: 'the holder of the one password check of a transaction',
    lifetime: '60 s, or until the check ends',
  }),
  codeAttempts: counter({
    prefix: 'throttle:codes',
    parts: ['userId'],
    ttlPolicy: 'required',
    owner: 'authn/code-throttle.ts',
    holds: 'attempts at passcodes and bypass codes of a user',
    lifetime: 'passcodes.throttle.window',
  }),
  authLog: stream({
    name: 'authlog',
    owner: 'authn/auth-log.ts',
    holds: 'AuthEvent: every sign-in decision',
    retention: 'authLog.retention, trimmed in batches by every node (authn/log-retention.ts)',
  }),
  lastSignIn: value({
    prefix: 'last-sign-in',
    parts: ['userId'],
    ttlPolicy: 'none',
    owner: 'authn/auth-log.ts',
    holds: "LastSignIn: when and to what a user last signed in (the console's user export)",
    lifetime: UNTIL_DELETED,
  }),
  logTrimTurn: value({
    prefix: 'log-trim-turn',
    parts: ['stream'],
    ttlPolicy: 'required',
    owner: 'authn/log-retention.ts',
    holds: 'the node trimming a log stream now: the others skip their turn',
    lifetime: 'authLog.trimEvery',
  }),
  consolePolicy: value({
    prefix: 'policy-console',
    parts: [],
    ttlPolicy: 'none',
    durable: true,
    owner: 'authn/console-policy.ts',
    holds: "ConsolePolicy: the console's global layer and the organisation-wide passwordless switch",
    lifetime: UNTIL_DELETED,
  }),
  consolePolicyChanges: channel({
    name: 'policy-console-changes',
    owner: 'authn/console-policy.ts',
    holds: "{}: the console's policy changed; every node reads it again",
  }),

  // ---- Passcodes (src/methods/passcodes/)
  passcode: value({
    prefix: 'passcode',
    parts: ['credentialId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'methods/passcodes/records.ts',
    holds: 'PasscodeCredential (app, or "token:<serial>")',
    lifetime: UNTIL_DELETED,
  }),
  passcodesOfUser: index({
    prefix: 'passcodes:user',
    parts: ['userId'],
    durable: true,
    owner: 'methods/passcodes/records.ts',
    holds: "the ids of a user's passcode credentials",
  }),
  oathTokens: index({
    prefix: 'passcodes:tokens',
    parts: [],
    durable: true,
    owner: 'methods/passcodes/records.ts',
    holds: 'the ids of every imported hardware token',
  }),
  pendingApp: value({
    prefix: 'passcode-pending',
    parts: ['holder'],
    ttlPolicy: 'required',
    owner: 'methods/passcodes/enrollment.ts',
    holds: 'the sealed secret of an app being added',
    lifetime: '10 minutes',
  }),

  // ---- Bypass codes (src/methods/bypass-codes/)
  bypassCode: value({
    prefix: 'bypass',
    parts: ['userId', 'codeHash'],
    ttlPolicy: 'required',
    owner: 'methods/bypass-codes/bypass-codes.ts',
    holds: 'BypassCodeRecord (uses left)',
    lifetime: "the batch's lifetime (latch bypass-codes)",
  }),
  bypassCodesOfUser: index({
    prefix: 'bypass:user',
    parts: ['userId'],
    owner: 'methods/bypass-codes/bypass-codes.ts',
    holds: "the hashes of a user's bypass codes",
  }),

  // ---- WebAuthn (src/methods/webauthn/)
  webauthnCredential: value({
    prefix: 'webauthn-credential',
    parts: ['credentialId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'methods/webauthn/credentials.ts',
    holds: 'StoredCredential',
    lifetime: UNTIL_DELETED,
  }),
  webauthnCredentialsOfUser: index({
    prefix: 'webauthn-credentials-of',
    parts: ['userId'],
    durable: true,
    owner: 'methods/webauthn/credentials.ts',
    holds: "the ids of a user's credentials",
  }),
  webauthnHandleOfUser: value({
    prefix: 'webauthn-handle-of',
    parts: ['userId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'methods/webauthn/credentials.ts',
    holds: "{ handle }: the user's WebAuthn user handle",
    lifetime: UNTIL_DELETED,
  }),
  webauthnUserOfHandle: value({
    prefix: 'webauthn-user-of-handle',
    parts: ['handle'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'methods/webauthn/credentials.ts',
    holds: '{ userId }: whose handle it is',
    lifetime: UNTIL_DELETED,
  }),
  webauthnChallenge: value({
    prefix: 'webauthn-challenge',
    parts: ['challenge'],
    ttlPolicy: 'required',
    owner: 'methods/webauthn/challenges.ts',
    holds: 'ChallengeBinding (single use)',
    lifetime: 'webauthn.challengeLifetime',
  }),
  passkeyOfferSkipped: value({
    prefix: 'webauthn-offer-skipped',
    parts: ['deviceId', 'userId'],
    ttlPolicy: 'required',
    owner: 'methods/webauthn/passkey-offer-step.ts',
    holds: 'true: "skip for now"',
    lifetime: '7 days',
  }),

  // ---- Push to the Latch Authenticator (src/methods/push/)
  pushDevice: value({
    prefix: 'push-device',
    parts: ['deviceId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'methods/push/devices.ts',
    holds: 'PushDevice (TOTP secret sealed)',
    lifetime: UNTIL_DELETED,
  }),
  pushDeviceOfUser: value({
    prefix: 'push-user-device',
    parts: ['userId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'methods/push/devices.ts',
    holds: "the id of the user's device",
    lifetime: UNTIL_DELETED,
  }),
  pushUserOfLogin: value({
    prefix: 'push-login',
    parts: ['login'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'methods/push/devices.ts',
    holds: 'the user id of a login name (lower case)',
    lifetime: UNTIL_DELETED,
  }),
  pushPasscodeUsed: value({
    prefix: 'push-totp-used',
    parts: ['userId', 'counter'],
    ttlPolicy: 'required',
    owner: 'methods/push/devices.ts',
    holds: "true: this time step's passcode was used",
    lifetime: '2 minutes',
  }),
  pushActivation: value({
    prefix: 'push-activation',
    parts: ['tokenHash'],
    ttlPolicy: 'required',
    owner: 'methods/push/activation.ts',
    holds: 'PendingActivation (single use)',
    lifetime: 'push.activationLifetime',
  }),
  pushEnrollLink: value({
    prefix: 'push-enroll-link',
    parts: ['txId'],
    ttlPolicy: 'required',
    owner: 'methods/push/enroll-step.ts',
    holds: 'the activation token shown during a sign-in',
    lifetime: 'push.activationLifetime',
  }),
  pushRequest: value({
    prefix: 'push-request',
    parts: ['requestId'],
    ttlPolicy: 'required',
    owner: 'methods/push/requests.ts',
    holds: 'PushRequest',
    lifetime: 'push.requestLifetime + 10 minutes (decided requests stay readable)',
  }),
  pushPending: value({
    prefix: 'push-pending',
    parts: ['deviceId'],
    ttlPolicy: 'required',
    owner: 'methods/push/requests.ts',
    holds: 'the id of the request waiting for the device',
    lifetime: 'push.requestLifetime',
  }),
  pushPaused: value({
    prefix: 'push-paused',
    parts: ['userId'],
    ttlPolicy: 'required',
    owner: 'methods/push/requests.ts',
    holds: 'true: pushes paused after a fraud report',
    lifetime: 'push.fraudPause',
  }),
  pushWrongCodes: counter({
    prefix: 'push-wrong-code',
    parts: ['userId'],
    ttlPolicy: 'required',
    owner: 'methods/push/requests.ts',
    holds: 'wrong codes typed on the phone',
    lifetime: 'push.wrongCodes.window',
  }),
  pushesSent: counter({
    prefix: 'push-sent',
    parts: ['userId'],
    ttlPolicy: 'required',
    owner: 'methods/push/requests.ts',
    holds: 'pushes sent to a user',
    lifetime: 'push.sendLimit.window',
  }),
  pushNonce: value({
    prefix: 'push-nonce',
    parts: ['deviceId', 'nonce'],
    ttlPolicy: 'required',
    owner: 'methods/push/signature.ts',
    holds: 'true: the nonce of a device request was used',
    lifetime: '2 × push.clockSkew',
  }),
  pushTrustedBrowser: value({
    prefix: 'push-trusted',
    parts: ['browserId', 'userId'],
    ttlPolicy: 'required',
    owner: 'methods/push/trusted-browsers.ts',
    holds: '{ since, phoneId }',
    lifetime: 'knownDevice.lifetime',
  }),
  vapidKeys: value({
    prefix: 'push-vapid-keys',
    parts: [],
    ttlPolicy: 'none',
    durable: true,
    sealed: true,
    owner: 'methods/push/web-push.ts',
    holds: 'VapidKeys: the Web Push key pair of every node',
    lifetime: 'forever (made by the first node)',
  }),
  pushDecisions: channel({
    name: 'push-decisions',
    owner: 'methods/push/bus.ts',
    holds: '{ id }: a push request was decided',
  }),
  pushDevices: channel({
    name: 'push-devices',
    owner: 'methods/push/bus.ts',
    holds: '{ id }: a device has a new push',
  }),

  // ---- Keys (src/keys/)
  serverSecret: value({
    prefix: 'secret:server',
    parts: [],
    ttlPolicy: 'none',
    durable: true,
    sealed: true,
    owner: 'keys/server-secret.ts',
    holds: 'the server secret (base64url): cookie MACs, CSRF, derived keys',
    lifetime: 'forever (made by the first node)',
  }),
  signingKeys: value({
    prefix: 'keys:signing',
    parts: [],
    ttlPolicy: 'none',
    durable: true,
    sealed: true,
    owner: 'keys/store-keys.ts',
    holds: 'StoredKeySet: the signing keys (current, next, retired) when a master key is set',
    lifetime: 'forever (made by the first node; rotated in place)',
  }),
  signingKeysChanged: channel({
    name: 'keys-changed',
    owner: 'keys/store-keyring.ts',
    holds: '{ rotatedAt }: the signing keys were rotated; every node reads them again',
  }),

  // ---- Sign-in hand-off (src/idp/signin/)
  session: value({
    prefix: 'session',
    parts: ['sid'],
    ttlPolicy: 'required',
    owner: 'idp/signin/session.ts',
    holds: 'IdpSession',
    lifetime: 'session.idleTimeout, never past session.absoluteTimeout',
  }),
  sessionsOfUser: index({
    prefix: 'sessions-of',
    parts: ['userId'],
    owner: 'idp/signin/session.ts',
    holds: "the ids of a user's sessions",
  }),

  // ---- SAML (src/idp/saml/)
  samlPersistentIdSecret: value({
    prefix: 'saml:persistent-id-secret',
    parts: [],
    ttlPolicy: 'none',
    durable: true,
    sealed: true,
    owner: 'idp/saml/idp.ts',
    holds: 'the secret behind persistent NameIDs (base64url)',
    lifetime: 'forever (made by the first node)',
  }),
  samlAuthnRequestSeen: value({
    prefix: 'saml:authnrequest',
    parts: ['spHash', 'requestId'],
    ttlPolicy: 'required',
    owner: 'idp/saml/authn-request.ts',
    holds: 'when an AuthnRequest ID was first seen',
    lifetime: "saml.requestMaxAge + 2 × the SP's clock skew",
  }),
  samlLogoutRequestSeen: value({
    prefix: 'saml:logoutrequest',
    parts: ['spHash', 'requestId'],
    ttlPolicy: 'required',
    owner: 'idp/saml/slo.ts',
    holds: 'when a LogoutRequest ID was first seen',
    lifetime: "saml.requestMaxAge + 2 × the SP's clock skew",
  }),
  samlLogoutChain: value({
    prefix: 'saml:logout',
    parts: ['chainId'],
    ttlPolicy: 'required',
    owner: 'idp/saml/slo.ts',
    holds: 'LogoutChain: the SPs a logout still has to visit',
    lifetime: '10 minutes',
  }),
  samlLogoutConfirmation: value({
    prefix: 'saml:logout-confirm',
    parts: ['requestId'],
    ttlPolicy: 'required',
    owner: 'idp/saml/slo.ts',
    holds: 'PendingLogout: an unsigned LogoutRequest awaiting the user',
    lifetime: '10 minutes',
  }),

  samlManagedSp: value({
    prefix: 'saml-sp',
    parts: ['key'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'idp/saml/managed-sps.ts',
    holds: 'ManagedSp: an SP added in the console (its metadata and options)',
    lifetime: UNTIL_DELETED,
  }),
  samlManagedSps: index({
    prefix: 'saml-sps',
    parts: [],
    durable: true,
    owner: 'idp/saml/managed-sps.ts',
    holds: 'the keys of the SPs added in the console',
  }),
  samlSpChanges: channel({
    name: 'saml-sp-changes',
    owner: 'idp/saml/managed-sps.ts',
    holds: '{ key }: an SP was added, changed or removed; every node reloads them',
  }),

  // ---- OpenID Connect clients added in the console (src/idp/oidc/)
  oidcManagedClient: value({
    prefix: 'oidc-client',
    parts: ['clientId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'idp/oidc/managed-clients.ts',
    holds: 'ManagedClient: its registration and its secret sealed',
    lifetime: UNTIL_DELETED,
  }),
  oidcManagedClients: index({
    prefix: 'oidc-clients',
    parts: [],
    durable: true,
    owner: 'idp/oidc/managed-clients.ts',
    holds: 'the client ids of the clients added in the console',
  }),
  oidcClientChanges: channel({
    name: 'oidc-client-changes',
    owner: 'idp/oidc/managed-clients.ts',
    holds: '{ clientId }: a client was added, changed or removed; every node reloads them',
  }),

  // ---- The operators' console (src/admin/)
  adminToken: value({
    prefix: 'admin-token',
    parts: ['tokenId'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'admin/tokens.ts',
    holds: 'AdminToken: name, role, hash of the secret, when made and last used',
    lifetime: 'until revoked',
  }),
  adminTokenOfName: value({
    prefix: 'admin-token-name',
    parts: ['name'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'admin/tokens.ts',
    holds: 'the id of the token with this name (names are unique)',
    lifetime: 'until revoked',
  }),
  adminTokens: index({
    prefix: 'admin-tokens',
    parts: [],
    durable: true,
    owner: 'admin/tokens.ts',
    holds: 'the ids of every API token',
  }),
  adminRoles: value({
    prefix: 'admin-roles',
    parts: [],
    ttlPolicy: 'none',
    durable: true,
    owner: 'admin/granted-roles.ts',
    holds: 'GrantedRoles: the admin roles owners granted in the console, to users and groups',
    lifetime: UNTIL_DELETED,
  }),
  adminAudit: stream({
    name: 'adminaudit',
    owner: 'admin/audit.ts',
    holds: 'AuditEntry: every change made (or refused) through the console or the API',
    retention: 'admin.auditRetention, trimmed like the authentication log',
  }),

  // ---- Auth API and Universal Prompt (src/idp/authapi/)
  authApiIntegration: value({
    prefix: 'authapi-integration',
    parts: ['ikey'],
    ttlPolicy: 'none',
    durable: true,
    owner: 'idp/authapi/integrations.ts',
    holds: 'Integration (secret key sealed)',
    lifetime: UNTIL_DELETED,
  }),
  authApiIntegrations: index({
    prefix: 'authapi-integrations',
    parts: [],
    durable: true,
    owner: 'idp/authapi/integrations.ts',
    holds: 'the integration keys of every integration',
  }),
  authApiSignatureSeen: value({
    prefix: 'authapi-signature',
    parts: ['ikey', 'signatureHash'],
    ttlPolicy: 'required',
    owner: 'idp/authapi/replay.ts',
    holds: 'true: a signed request that changes something was accepted once',
    lifetime: '2 × authApi.clockSkew',
  }),
  universalPromptCode: value({
    prefix: 'authapi-up-code',
    parts: ['codeHash'],
    ttlPolicy: 'required',
    owner: 'idp/authapi/universal/codes.ts',
    holds: 'UniversalCode: the sign-in an authorization code stands for (single use)',
    lifetime: '60 s',
  }),
  universalPromptAssertion: value({
    prefix: 'authapi-up-jti',
    parts: ['clientId', 'jti'],
    ttlPolicy: 'required',
    owner: 'idp/authapi/universal/assertion.ts',
    holds: 'true: a client assertion (its jti) was used',
    lifetime: 'until the assertion expires, + authApi.clockSkew',
  }),

  // ---- OpenID Connect (src/idp/oidc/): oidc-provider's own storage, through its adapter
  oidcArtifact: value({
    prefix: 'oidc',
    parts: [{ name: 'model', oneOf: OIDC_MODELS }, 'id'],
    ttlPolicy: 'optional',
    owner: 'idp/oidc/adapter.ts',
    holds: 'an oidc-provider payload (codes, tokens, grants, sessions…)',
    lifetime: 'as oidc-provider says (expiresIn); clients forever',
  }),
  oidcSessionOfUid: value({
    prefix: 'oidc:SessionUid',
    parts: ['uid'],
    ttlPolicy: 'optional',
    owner: 'idp/oidc/adapter.ts',
    holds: 'the id of the oidc-provider session with this uid',
    lifetime: 'that of the session',
  }),
  oidcArtifactOfUserCode: value({
    prefix: 'oidc:UserCode',
    parts: ['userCode'],
    ttlPolicy: 'optional',
    owner: 'idp/oidc/adapter.ts',
    holds: 'the id of the device code with this user code',
    lifetime: 'that of the device code',
  }),
  oidcRevokedGrant: value({
    prefix: 'oidc:RevokedGrant',
    parts: ['grantId'],
    ttlPolicy: 'required',
    owner: 'idp/oidc/adapter.ts',
    holds: 'when the grant was revoked: its artifacts are gone',
    lifetime: 'the longest token lifetime (anything issued under the grant)',
  }),
};

export type RecordName = keyof typeof records;

/** The keys of secrets (declared `sealed`), which a master key keeps sealed in the store. */
export function sealedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const declaration of Object.values(records)) {
    if (declaration.kind === 'value' && declaration.sealed) {
      if (declaration.parts.length > 0)
        throw new Error(`${declaration.prefix}: only a namespace of one key can be sealed`);
      keys.add(declaration.prefix);
    }
  }
  return keys;
}
