import type { FactorChanges } from '../../authn/factor-changes.ts';
import type { Directory } from '../../directory/contract.ts';
import type { Push } from '../../methods/push/push.ts';
import { activationUrl } from '../../methods/push/protocol.ts';
import type { ApiCall } from './caller.ts';
import { ApiFailure, badParameter, missingParameter } from './failure.ts';

// /auth/v2/enroll and enroll_status: an activation link for the Latch Authenticator of a directory
// user who has no second factor yet (Latch does not make users; the directory does). A user who
// has a factor is refused: a client that knows only the user's password must not plant a phone
// on a protected account. The link works once, only while the user still has no factor.

export interface EnrollDeps {
  directory: Directory;
  push: Push;
  factorChanges: FactorChanges;
  baseUrl: string;
}

export async function enroll(deps: EnrollDeps, call: ApiCall) {
  const username = call.params.get('username');
  if (!username) throw missingParameter('username (Latch enrolls users of its directory)');
  const user = await deps.directory.findUser(username);
  if (!user || user.disabled)
    throw badParameter(`username: no usable account named ${username.slice(0, 64)} in the directory`);
  if (await deps.factorChanges.hasAnyFactor(user.id)) {
    throw new ApiFailure(
      40002,
      'Invalid request parameters',
      `${user.username} already has a second factor; a new phone is added from the account page after signing in with it`,
    );
  }
  const { token, expiresAt } = await deps.push.activations.issue(
    user,
    `integration ${call.integration.name} (enroll)`,
    { onlyWithoutFactors: true },
  );
  const url = activationUrl(deps.baseUrl, token);
  return {
    activation_barcode: url,
    activation_code: token,
    activation_url: url,
    expiration: Math.floor(expiresAt / 1000),
    user_id: user.id,
    username: user.username,
    valid_secs: Math.round((expiresAt - Date.now()) / 1000),
  };
}

export async function enrollStatus(deps: EnrollDeps, call: ApiCall): Promise<'success' | 'waiting' | 'invalid'> {
  const userId = call.params.get('user_id');
  const code = call.params.get('activation_code');
  if (!userId) throw missingParameter('user_id');
  if (!code) throw missingParameter('activation_code');
  if (await deps.push.activations.pending(code)) return 'waiting';
  const phone = await deps.push.devices.forUser(userId);
  return phone && phone.createdAt > Date.now() - deps.push.config.activationLifetime ? 'success' : 'invalid';
}
