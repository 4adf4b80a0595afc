import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, textOf, XmlRejected, requiredChild } from './parse.ts';

const rejects = (xml: string, pattern: RegExp) => assert.throws(() => parseXml(xml), (e: unknown) => e instanceof XmlRejected && pattern.test(e.message));

test('a plain document parses and text reads whole', () => {
  const doc = parseXml('<?xml version="1.0" encoding="UTF-8"?><a xmlns="urn:x"><b>  hello &amp; bye </b></a>');
  assert.equal(textOf(requiredChild(doc.documentElement!, 'urn:x', 'b')), 'hello & bye');
});

test('DTDs, entities and XXE are refused before parsing', () => {
  rejects('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DOCTYPE/);
  rejects('<?xml version="1.0"?><!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', /DOCTYPE/);
  const laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
  rejects(laughs, /DOCTYPE/);
  rejects('<a>&undefined;</a>', /not well-formed/);
  rejects('<a><?xml-stylesheet href="x"?></a>', /processing instructions/);
  rejects('<?xml version="1.0" encoding="UTF-16"?><a/>', /encoding/);
});

test('one root element, bounded size and depth', () => {
  rejects('<a/><b/>', /well-formed|one root/);
  rejects('', /well-formed|root/);
  rejects('<a/>trailing', /well-formed/);
  rejects('<a>' + 'x'.repeat(300 * 1024) + '</a>', /more than the limit/);
  rejects('<a>'.repeat(40) + '</a>'.repeat(40), /nested deeper/);
  rejects('<a>' + '<b/>'.repeat(5000) + '</a>', /more than 4000 elements/);
  rejects('<a ID="1" ID="2"/>', /redefined/);
  rejects('<a><x:b/></a>', /well-formed/);
});

test('comments inside a value are refused instead of truncating it', () => {
  const doc = parseXml('<a><b>admin@example.com<!---->.evil.test</b><c>x<![CDATA[y]]></c></a>');
  assert.throws(() => textOf(requiredChild(doc.documentElement!, '', 'b')), /only text/);
  assert.throws(() => textOf(requiredChild(doc.documentElement!, '', 'c')), /only text/);
});
