import { constants, createCipheriv, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { NS } from './xml/namespaces.ts';
import { element, type XmlElement } from './xml/tree.ts';

// XML Encryption of a signed assertion to the SP's certificate: a fresh AES key (AES-256-GCM, or
// AES-128-CBC for older SPs) carried in an EncryptedKey wrapped with RSA-OAEP (MGF1/SHA-1, the
// variant every SAML SP implements).

export type EncryptionAlgorithmName = 'aes256-gcm' | 'aes128-cbc';

const DATA_ALG: Record<EncryptionAlgorithmName, { uri: string; cipher: string; keyBytes: number; ivBytes: number }> = {
  'aes256-gcm': { uri: 'http://www.w3.org/2009/xmlenc11#aes256-gcm', cipher: 'aes-256-gcm', keyBytes: 32, ivBytes: 12 },
  'aes128-cbc': {
    uri: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
    cipher: 'aes-128-cbc',
    keyBytes: 16,
    ivBytes: 16,
  },
};
const RSA_OAEP = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

/** Returns a saml:EncryptedAssertion element holding `assertionXml` (a standalone element, as text). */
export function encryptAssertion(
  assertionXml: string,
  certificatePem: string,
  algorithm: EncryptionAlgorithmName,
): XmlElement {
  const alg = DATA_ALG[algorithm];
  const key = randomBytes(alg.keyBytes);
  const iv = randomBytes(alg.ivBytes);
  const cipher = createCipheriv(alg.cipher, key, iv);
  const body = Buffer.concat([cipher.update(assertionXml, 'utf8'), cipher.final()]);
  const tag =
    algorithm === 'aes256-gcm'
      ? (cipher as ReturnType<typeof createCipheriv> & { getAuthTag(): Buffer }).getAuthTag()
      : Buffer.alloc(0);
  const cipherValue = Buffer.concat([iv, body, tag]).toString('base64');
  const publicKey = new X509Certificate(certificatePem).publicKey;
  const wrappedKey = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    key,
  ).toString('base64');
  const cipherData = (value: string) => element('xenc:CipherData', {}, [element('xenc:CipherValue', {}, [value])]);
  const encryptedKey = element('xenc:EncryptedKey', {}, [
    element('xenc:EncryptionMethod', { Algorithm: RSA_OAEP }, [
      element('ds:DigestMethod', { Algorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' }),
    ]),
    cipherData(wrappedKey),
  ]);
  const data = element(
    'xenc:EncryptedData',
    { Type: 'http://www.w3.org/2001/04/xmlenc#Element' },
    [
      element('xenc:EncryptionMethod', { Algorithm: alg.uri }),
      element('ds:KeyInfo', {}, [encryptedKey]),
      cipherData(cipherValue),
    ],
    { xenc: NS.xenc, ds: NS.dsig },
  );
  return element('saml:EncryptedAssertion', {}, [data], { saml: NS.assertion });
}
