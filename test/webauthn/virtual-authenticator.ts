import type { CDPSession, Page } from 'playwright-core';

// Chromium's virtual WebAuthn authenticators over the DevTools protocol: a platform authenticator
// (built in, user verification, passkeys) or a roaming one (a USB security key). They belong to
// one page (its CDP target) and keep their credentials across that page's navigations.

export type VirtualKind = 'platform' | 'roaming' | 'roaming-passkey';

export interface VirtualAuthenticator {
  id: string;
  cdp: CDPSession;
  credentials(): Promise<
    Array<{ credentialId: string; isResidentCredential: boolean; signCount: number; userHandle?: string }>
  >;
  /** Whether the authenticator answers by itself (as if touched). */
  setPresence(enabled: boolean): Promise<void>;
  remove(): Promise<void>;
}

const OPTIONS: Record<VirtualKind, Record<string, unknown>> = {
  platform: {
    protocol: 'ctap2',
    transport: 'internal',
    hasResidentKey: true,
    hasUserVerification: true,
    isUserVerified: true,
  },
  // A plain security key: no PIN, no resident keys (a second factor only).
  roaming: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: false },
  // A security key with a PIN that can hold passkeys.
  'roaming-passkey': {
    protocol: 'ctap2',
    transport: 'usb',
    hasResidentKey: true,
    hasUserVerification: true,
    isUserVerified: true,
  },
};

export async function addAuthenticator(page: Page, kind: VirtualKind): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { ...OPTIONS[kind], automaticPresenceSimulation: true } as never,
  });
  return {
    id: authenticatorId,
    cdp,
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
    async setPresence(enabled) {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}
