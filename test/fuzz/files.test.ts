import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'mocha';
import YAML from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { parseSpMetadata } from '../../src/idp/saml/sp-metadata.ts';
import { signElement } from '../../src/idp/saml/xml/sign.ts';
import { XmlRejected } from '../../src/idp/saml/xml/parse.ts';
import { parseTokenCsv, TokenFileError } from '../../src/methods/passcodes/token-csv.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import { makeTestKey } from '../support/saml-certs.ts';
import { scratchDir } from '../support/temp.ts';
import { fuzz, mutated } from './budget.ts';

// Property-based fuzzing of the files an operator imports: SP metadata (from a file or a URL),
// hardware token CSV files, and configuration files. Each is read fully or refused with the
// parser's own error, whose message names what is wrong; never another exception.

function onlyExpected(parse: () => unknown, ...expected: (new (...args: never[]) => Error)[]): void {
  try {
    parse();
  } catch (err) {
    if (!expected.some((type) => err instanceof type)) throw err;
    assert.ok((err as Error).message.length > 0);
  }
}

describe('fuzzing imported files', function () {
  this.timeout(120_000);

  it('SP metadata: mutated metadata is imported or refused as XmlRejected', async () => {
    const key = makeTestKey('fuzz-sp');
    const seed = spMetadataXml({
      entityId: 'https://sp.fuzz/md',
      acs: ['https://sp.fuzz/acs'],
      sloUrl: 'https://sp.fuzz/slo',
      certificatePem: key.certificatePem,
    });
    assert.equal(parseSpMetadata(seed).entityId, 'https://sp.fuzz/md');
    await fuzz(fc.property(mutated(seed), (xml) => onlyExpected(() => parseSpMetadata(xml), XmlRejected)));
    await fuzz(
      fc.property(fc.string({ maxLength: 300 }), (xml) => onlyExpected(() => parseSpMetadata(xml), XmlRejected)),
    );
  });

  it('signed SP metadata: a mutated file is refused, or imported with exactly what was signed', async () => {
    const signer = makeTestKey('fuzz-federation');
    const sp = makeTestKey('fuzz-signed-sp');
    const unsigned = spMetadataXml({
      entityId: 'https://sp.fuzz/signed',
      acs: ['https://sp.fuzz/acs'],
      certificatePem: sp.certificatePem,
    });
    const signed = signElement(
      unsigned.replace(' entityID=', ' ID="_md" entityID='),
      '_md',
      signer,
      'rsa-sha256',
      'first',
    );
    const original = parseSpMetadata(signed, signer.certificatePem);
    await fuzz(
      fc.property(mutated(signed), (xml) => {
        try {
          const imported = parseSpMetadata(xml, signer.certificatePem);
          // Only changes outside what the signature covers (whitespace between elements, say) may pass.
          assert.deepEqual(imported, original, 'imported metadata that differs from the signed one');
        } catch (err) {
          if (!(err instanceof XmlRejected)) throw err;
        }
      }),
    );
  });

  it('token CSV: any text is imported whole or refused with every problem by line', async () => {
    const line = fc
      .tuple(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/), fc.string({ maxLength: 8 })),
        fc.oneof(fc.stringMatching(/^[0-9a-f]{32,40}$/), fc.string({ maxLength: 10 })),
        fc.constantFrom('hotp', 'totp', 'HOTP', 'x', ''),
        fc.constantFrom('', '6', '8', '9', 'x'),
        fc.constantFrom('', '30', '0', '-1', '60'),
      )
      .map((fields) => fields.join(','));
    const file = fc
      .tuple(
        fc.constantFrom('', 'serial,secret,type,digits,period\n', '\uFEFF', '# comment\n'),
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
      )
      .map(([head, lines, newline]) => head + lines.join(newline));
    await fuzz(
      fc.property(file, fc.constantFrom('hex' as const, 'base32' as const), (text, encoding) => {
        try {
          const tokens = parseTokenCsv(text, encoding);
          assert.ok(tokens.length > 0);
        } catch (err) {
          if (!(err instanceof TokenFileError)) throw err;
          assert.match(err.message, /line \d+|no tokens/);
        }
      }),
    );
    await fuzz(
      fc.property(fc.string({ maxLength: 300 }), (text) =>
        onlyExpected(() => parseTokenCsv(text, 'hex'), TokenFileError),
      ),
    );
  });

  it('configuration files: any YAML is loaded or refused with a ConfigError naming its keys', async () => {
    const dir = scratchDir('latch-fuzz-config-');
    const file = path.join(dir, 'latch.yaml');
    const keys = [
      'server',
      'store',
      'keys',
      'policy',
      'saml',
      'oidc',
      'session',
      'port',
      'type',
      'postgres',
      'masterKeyFile',
      'url',
      'redis',
      'default',
    ];
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.dictionary(fc.constantFrom(...keys), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    await fuzz(
      fc.property(
        fc.oneof(
          value.map((v) => YAML.stringify(v)),
          fc.string({ maxLength: 200 }),
        ),
        (text) => {
          fs.writeFileSync(file, text);
          onlyExpected(() => loadConfig({ file, env: {}, cwd: dir }), ConfigError);
        },
      ),
      30,
    );
  });
});
