import type { Provider } from 'oidc-provider';
// oidc-provider reads its keys once, from the `jwks` option; this is the function that does it,
// which stores them where every signature and /oidc/jwks look them up. Calling it again with new
// keys is how a rotation reaches a running provider (oidc-provider 9; keystore.test.ts checks it).
import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';
import type { KeyRing } from '../../keys/contract.ts';

/** After each change of the signing keys, ID tokens are signed with the new current keys and /oidc/jwks lists them. */
export function followKeyRotation(provider: Provider, keys: KeyRing): void {
  keys.onChange(() => initializeKeystore.call(provider, keys.privateJwks()));
}
