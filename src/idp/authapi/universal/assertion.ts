import type { Store } from '../../../store/contract.ts';
import { records } from '../../../store/records.ts';
import { ApiFailure } from '../failure.ts';
import type { Integrations, OpenIntegration } from '../integrations.ts';
import { timeProblem, verifyHs512 } from './jwt.ts';

// A client assertion (RFC 7523, as the Duo Web SDK makes it for /health_check and /token): a
// JWT signed with the client secret, issued by and about the client (iss = sub = client_id),
// for this endpoint (aud = https://<API host><path>), short-lived, and, for /token, used once.

const used = records.universalPromptAssertion.holding<true>();

export interface AssertionDeps {
  integrations: Integrations;
  store: Store;
  /** Audiences this endpoint answers to (the host the client addressed, Latch's public host). */
  audiences(path: string): string[];
  clockSkewMs: number;
}

const refused = (detail: string) => new ApiFailure(40103, 'Invalid client assertion', detail);

export async function verifyAssertion(
  deps: AssertionDeps,
  form: Record<string, string>,
  path: string,
  once: boolean,
): Promise<OpenIntegration> {
  const clientId = form.client_id ?? '';
  const integration = await deps.integrations.open(clientId);
  if (!integration || integration.type !== 'universal-prompt')
    throw new ApiFailure(40102, 'Invalid client_id', 'no Universal Prompt integration has this client_id');
  const verified = verifyHs512(form.client_assertion ?? '', integration.secret);
  if (!verified.ok) throw refused(verified.reason);
  const { claims } = verified;
  const nowS = Math.floor(Date.now() / 1000);
  const skewS = Math.round(deps.clockSkewMs / 1000);
  if (claims.iss !== clientId || claims.sub !== clientId) throw refused('iss and sub must be the client_id');
  if (typeof claims.aud !== 'string' || !deps.audiences(path).includes(claims.aud))
    throw refused(`aud must be this endpoint (${deps.audiences(path)[0]})`);
  const late = timeProblem(claims, nowS, skewS);
  if (late) throw refused(late);
  if (once) {
    const jti = typeof claims.jti === 'string' && /^[\x21-\x7e]{16,128}$/.test(claims.jti) ? claims.jti : undefined;
    if (!jti) throw refused('jti must be a unique identifier of 16 to 128 characters');
    const ttlMs = Math.max(1000, ((claims.exp as number) - nowS) * 1000 + deps.clockSkewMs);
    if (!(await used.createIfAbsent(deps.store, { clientId, jti }, true, { ttlMs })))
      throw refused('this client assertion was already used');
  }
  return integration;
}
