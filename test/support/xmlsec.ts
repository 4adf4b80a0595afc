import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Independent checks with xmlsec1: a signature Latch emits must verify with nothing but the
// published certificate, and an encrypted assertion must decrypt with the SP's key alone.

const ID_ATTRS = [
  '--id-attr:ID',
  'urn:oasis:names:tc:SAML:2.0:protocol:Response',
  '--id-attr:ID',
  'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
  '--id-attr:ID',
  'urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor',
  '--id-attr:ID',
  'urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest',
  '--id-attr:ID',
  'urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse',
];

function inTemp<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'latch-xmlsec-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Verifies the signature of the element whose local name is `element`, a direct child of it. Throws with xmlsec1's output when it fails. */
export function xmlsecVerify(xml: string, certificatePem: string, element: string): string {
  return inTemp({ 'msg.xml': xml, 'cert.pem': certificatePem }, (dir) =>
    execFileSync(
      'xmlsec1',
      [
        '--verify',
        ...ID_ATTRS,
        '--node-xpath',
        `//*[local-name()='${element}']/*[local-name()='Signature']`,
        '--pubkey-cert-pem',
        path.join(dir, 'cert.pem'),
        path.join(dir, 'msg.xml'),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
}

/** Decrypts the first EncryptedData with the SP's private key; returns the decrypted document. */
export function xmlsecDecrypt(xml: string, privateKeyPem: string): string {
  return inTemp({ 'msg.xml': xml, 'key.pem': privateKeyPem }, (dir) =>
    execFileSync('xmlsec1', ['--decrypt', '--privkey-pem', path.join(dir, 'key.pem'), path.join(dir, 'msg.xml')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}
