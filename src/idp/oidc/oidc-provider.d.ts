// The small part of oidc-provider (v9, which ships no types) that Latch uses. Kept to what
// src/idp/oidc/ calls, so the compiler checks our side of every call.

declare module 'oidc-provider' {
  import type Koa from 'koa';
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type UnknownObject = Record<string, unknown>;

  export interface AccountClaims {
    sub: string;
    [claim: string]: unknown;
  }

  export interface Account {
    accountId: string;
    claims(
      use: 'id_token' | 'userinfo',
      scope: string,
      claims: UnknownObject,
      rejected: string[],
    ): AccountClaims | Promise<AccountClaims>;
  }

  export interface InteractionPrompt {
    name: 'login' | 'consent' | string;
    reasons: string[];
    details: UnknownObject;
  }

  export interface InteractionDetails {
    uid: string;
    jti: string;
    exp: number;
    returnTo: string;
    prompt: InteractionPrompt;
    params: Record<string, string | undefined>;
    session?: { accountId: string; uid?: string; cookie?: string; acr?: string; amr?: string[] };
    grantId?: string;
    lastSubmission?: UnknownObject;
    result?: UnknownObject;
    save(ttl: number): Promise<string>;
  }

  export interface InteractionResults {
    login?: { accountId: string; acr?: string; amr?: string[]; ts?: number; remember?: boolean };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
    [key: string]: unknown;
  }

  export interface Grant {
    readonly jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    getOIDCScope(): string;
    getOIDCClaims(): string[];
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(ttl?: number): Promise<string>;
  }

  export interface GrantConstructor {
    new (properties: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  export interface ClientModel {
    clientId: string;
    clientName?: string;
    metadata(): UnknownObject;
  }

  export interface OidcContextEntities {
    Client?: ClientModel;
    Account?: Account;
    [entity: string]: unknown;
  }

  export interface KoaContextWithOIDC extends Koa.Context {
    oidc: {
      route: string;
      client?: ClientModel;
      entities: OidcContextEntities;
      params?: Record<string, unknown>;
      session?: { accountId?: string };
      [key: string]: unknown;
    };
  }

  export type Configuration = UnknownObject;

  export class Provider extends Koa {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    readonly Grant: GrantConstructor;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    urlFor(name: string, options?: UnknownObject): string;
    pathFor(name: string, options?: UnknownObject): string;
  }

  export class OIDCProviderError extends Error {
    constructor(status: number, message: string);
    error: string;
    error_description?: string;
    error_detail?: string;
    status: number;
    statusCode: number;
    expose: boolean;
  }

  export namespace errors {
    class OIDCProviderError extends Error {
      error: string;
      error_description?: string;
      error_detail?: string;
      status: number;
      expose: boolean;
    }
    class CustomOIDCProviderError extends OIDCProviderError {
      constructor(error: string, description?: string);
    }
    class InvalidGrant extends OIDCProviderError {
      constructor(detail?: string);
    }
    class InvalidRequest extends OIDCProviderError {
      constructor(description?: string, code?: number);
    }
    class AccessDenied extends OIDCProviderError {
      constructor(description?: string);
    }
    class LoginRequired extends OIDCProviderError {
      constructor(description?: string);
    }
    class UnmetAuthenticationRequirements extends OIDCProviderError {
      constructor(description?: string);
    }
    class SessionNotFound extends InvalidRequest {}
  }

  export namespace interactionPolicy {
    class Check {
      constructor(
        reason: string,
        description: string,
        error: string,
        check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>,
      );
      constructor(reason: string, description: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
      reason: string;
      check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>;
    }
    class Prompt {
      name: string;
      checks: Check[] & {
        add(check: Check, index?: number): void;
        remove(reason: string): void;
        get(reason: string): Check | undefined;
      };
    }
    function base(): Prompt[] & {
      get(name: string): Prompt | undefined;
      remove(name: string): void;
      add(prompt: Prompt, index?: number): void;
    };
  }

  export default Provider;
}
