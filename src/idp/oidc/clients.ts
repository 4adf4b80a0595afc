import { readFileSync } from 'node:fs';
import { clientAuthMethod, type OidcClientConfig } from '../../config/oidc.ts';
import { ConfigError } from '../../config/load.ts';

// Relying parties from config, as oidc-provider's client metadata. Only the authorization code
// flow is offered (with refresh tokens); PKCE S256 is required of public clients (provider.ts).

export type ClientMetadata = Record<string, unknown> & { client_id: string };

export function clientMetadata(client: OidcClientConfig, index: number): ClientMetadata {
  const method = clientAuthMethod(client);
  const metadata: ClientMetadata = {
    client_id: client.client_id,
    client_name: client.client_name ?? client.client_id,
    application_type: isNative(client.redirect_uris) ? 'native' : 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: method,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    id_token_signed_response_alg: client.id_token_signed_response_alg,
  };
  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    metadata.client_secret = client.client_secret ?? readSecret(client, index);
  }
  if (method === 'private_key_jwt') {
    if (client.jwks) metadata.jwks = client.jwks;
    if (client.jwks_uri) metadata.jwks_uri = client.jwks_uri;
  }
  if (client.backchannel_logout_uri) {
    metadata.backchannel_logout_uri = client.backchannel_logout_uri;
    metadata.backchannel_logout_session_required = true;
  }
  if (client.scope) metadata.scope = client.scope;
  return JSON.parse(JSON.stringify(metadata)) as ClientMetadata;
}

/** Redirect URIs with a private-use scheme (com.example.app:/cb) belong to native apps. */
function isNative(uris: string[]): boolean {
  return uris.some((uri) => !/^https?:$/.test(new URL(uri).protocol));
}

function readSecret(client: OidcClientConfig, index: number): string {
  const key = `oidc.clients.${index}.secretFile`;
  let text: string;
  try {
    text = readFileSync(client.secretFile!, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `${key}: cannot read the file ${JSON.stringify(client.secretFile)} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
  const secret = text.split(/\r?\n/)[0]!.trim();
  if (secret.length < 32)
    throw new ConfigError([
      `${key}: expected a secret of at least 32 characters on the first line of ${client.secretFile} (got ${secret.length})`,
    ]);
  return secret;
}
