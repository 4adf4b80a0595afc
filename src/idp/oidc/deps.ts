import type { Context } from 'koa';
import type { IncomingMessage } from 'node:http';
import type { AppRef } from '../../authn/contract.ts';
import type { OidcClientConfig } from '../../config/oidc.ts';
import type { DirectoryUser } from '../../directory/contract.ts';

export type { FrontEndSignIn } from '../signin/service.ts';

/**
 * oidc-provider builds its own Koa context from the raw request; Latch's sign-in needs Latch's
 * (its state, cookie settings). The mount records Latch's context per request here.
 */
export const latchContexts = new WeakMap<IncomingMessage, Context>();

/**
 * The account as this very request found it usable (the IdP session's re-check at the
 * authorization endpoint, src/idp/signin/live-session.ts): oidc-provider's findAccount in the same
 * request takes it instead of asking the directory again.
 */
export const accountsCheckedInRequest = new WeakMap<IncomingMessage, DirectoryUser>();

/** Relying parties by client_id: from the config, and those added in the console (kept up to date by index.ts). */
export class ClientRegistry {
  private readonly fromConfig: Map<string, OidcClientConfig>;
  private managed = new Map<string, OidcClientConfig>();
  constructor(clients: OidcClientConfig[]) {
    this.fromConfig = new Map(clients.map((c) => [c.client_id, c]));
  }
  get(clientId: string): OidcClientConfig | undefined {
    return this.fromConfig.get(clientId) ?? this.managed.get(clientId);
  }
  /** Whether the client comes from the config file (read-only in the console). */
  fromFiles(clientId: string): boolean {
    return this.fromConfig.has(clientId);
  }
  all(): OidcClientConfig[] {
    return [
      ...this.fromConfig.values(),
      ...[...this.managed.values()].filter((c) => !this.fromConfig.has(c.client_id)),
    ];
  }
  /** The console's clients, as last read from the store. */
  setManaged(clients: OidcClientConfig[]): void {
    this.managed = new Map(clients.map((c) => [c.client_id, c]));
  }
  appRef(clientId: string): AppRef {
    const client = this.get(clientId);
    return { id: clientId, name: client?.client_name ?? clientId, protocol: 'oidc' };
  }
  isFirstParty(clientId: string): boolean {
    return this.get(clientId)?.firstParty ?? false;
  }
}
