import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { encodeBson } from './bson.ts';

// Byte for byte against the BSON specification's own examples (bsonspec.org).

describe('BSON encoder', () => {
  it('encodes {"hello": "world"} as the specification shows', () => {
    assert.equal(encodeBson({ hello: 'world' }).toString('hex'), '160000000268656c6c6f0006000000776f726c640000');
  });

  it('encodes integers, booleans and nested documents with their sizes', () => {
    const bytes = encodeBson({ code: 40103, ok: true, response: { a: 'b' } });
    assert.equal(bytes.readInt32LE(0), bytes.length);
    // 44 bytes: int32 "code" 40103, bool "ok", document "response" {"a": "b"} of 14 bytes, end.
    assert.equal(
      bytes.toString('hex'),
      '2c000000' +
        '10636f646500a79c0000' +
        '086f6b0001' +
        '03726573706f6e736500' +
        '0e00000002610002000000620000' +
        '00',
    );
  });

  it('refuses what BSON cannot hold', () => {
    assert.throws(() => encodeBson({ big: 2 ** 31 }), /int32 out of range/);
    assert.throws(() => encodeBson({ 'a\0b': 'x' }), /NUL/);
  });
});
