import { after, before } from 'mocha';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../chromium.ts';
import { tempDir } from '../temp.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../latch.ts';

// The frame of every interop test with a real SAML service provider: a temp dir, the SP prepared
// (its keys and metadata), Latch started trusting it, the SP started from Latch's published
// metadata, and Chromium as the user; all stopped afterwards, in reverse order.

export interface PreparedSp {
  metadataXml: string;
  /** Starts the SP trusting the IdP metadata Latch serves (and its URL, for SPs that want it). */
  start(idpMetadataXml: string, idpMetadataUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export interface InteropOptions<S extends PreparedSp> {
  prepare(dir: string): Promise<S>;
  users: TestUser[];
  /** Latch's `saml` configuration for this SP. */
  saml(sp: S): Record<string, unknown>;
  /** Latch's host name; localhost by default, so the SP on 127.0.0.1 is another site. */
  host?: string;
  /** More of Latch's configuration beside `saml` (e.g. `oidc` clients); read when Latch starts. */
  config?(sp: S): Record<string, unknown>;
}

export interface Interop<S> {
  readonly sp: S;
  readonly latch: InProcessLatch;
  readonly browser: Browser;
}

/** Registers before/after hooks in the calling test file; read the parts from the result inside tests. */
export function samlInterop<S extends PreparedSp>(options: InteropOptions<S>): Interop<S> {
  let temp: ReturnType<typeof tempDir> | undefined;
  let sp: S | undefined;
  let latch: InProcessLatch | undefined;
  let browser: Browser | undefined;

  before(async () => {
    temp = tempDir('latch-saml-interop-');
    sp = await options.prepare(temp.dir);
    latch = await startTestLatch({
      host: options.host ?? 'localhost',
      users: options.users,
      config: { ...options.config?.(sp), saml: options.saml(sp) },
    });
    const metadataUrl = `${latch.url}/saml2/idp/metadata`;
    await sp.start(await (await fetch(metadataUrl)).text(), metadataUrl);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await sp?.stop();
    await latch?.stop();
    temp?.cleanup();
  });

  return {
    get sp() {
      return sp!;
    },
    get latch() {
      return latch!;
    },
    get browser() {
      return browser!;
    },
  };
}
