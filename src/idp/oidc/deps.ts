import type { Context } from 'koa';
import type { IncomingMessage } from 'node:http';
import type { AppRef } from '../../authn/contract.ts';
import type { OidcClientConfig } from '../../config/oidc.ts';

export type { FrontEndSignIn } from '../signin/service.ts';

/**
 * oidc-provider builds its own Koa context from the raw request; Latch's sign-in needs Latch's
 * (its state, cookie settings). The mount records Latch's context per request here.
 */
export const latchContexts = new WeakMap<IncomingMessage, Context>();

/** Relying parties by client_id. */
export class ClientRegistry {
  private readonly byId: Map<string, OidcClientConfig>;
  constructor(clients: OidcClientConfig[]) {
    this.byId = new Map(clients.map((c) => [c.client_id, c]));
  }
  get(clientId: string): OidcClientConfig | undefined {
    return this.byId.get(clientId);
  }
  appRef(clientId: string): AppRef {
    const client = this.byId.get(clientId);
    return { id: clientId, name: client?.client_name ?? clientId, protocol: 'oidc' };
  }
  isFirstParty(clientId: string): boolean {
    return this.byId.get(clientId)?.firstParty ?? false;
  }
}
