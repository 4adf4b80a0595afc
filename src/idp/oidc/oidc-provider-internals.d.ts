// The one module of oidc-provider that Latch reaches into (see keystore.ts).
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  import type { Provider } from 'oidc-provider';
  export default function initializeKeystore(this: Provider, jwks: { keys: Array<Record<string, unknown>> }): void;
}
