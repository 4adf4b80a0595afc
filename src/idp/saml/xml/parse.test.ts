import { it } from 'mocha';
import assert from 'node:assert/strict';
import { parseXml, textOf, XmlRejected, requiredChild } from './parse.ts';

const rejects = (xml: string, pattern: RegExp) =>
  assert.throws(
    () => parseXml(xml),
    (e: unknown) => e instanceof XmlRejected && pattern.test(e.message),
  );

it('a plain document parses and text reads whole', () => {
  const doc = parseXml('<?xml version="1.0" encoding="UTF-8"?><a xmlns="urn:x"><b>  hello &amp; bye </b></a>');
  assert.equal(textOf(requiredChild(doc.documentElement!, 'urn:x', 'b')), 'hello & bye');
});

it('DTDs, entities and XXE are refused before parsing', () => {
  rejects('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DOCTYPE/);
  rejects('<?xml version="1.0"?><!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', /DOCTYPE/);
  const laughs =
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
  rejects(laughs, /DOCTYPE/);
  rejects('<a>&undefined;</a>', /not well-formed/);
  rejects('<a><?xml-stylesheet href="x"?></a>', /processing instructions/);
  rejects('<?xml version="1.0" encoding="UTF-16"?><a/>', /encoding/);
});

it('one root element, bounded size and depth', () => {
  rejects('<a/><b/>', /well-formed|one root/);
  rejects('', /well-formed|root/);
  rejects('<a/>trailing', /well-formed/);
  rejects('<a>' + 'x'.repeat(65 * 1024) + '</a>', /more than the limit of 65536/);
  rejects('<a>'.repeat(25) + '</a>'.repeat(25), /nested deeper than 24/);
  parseXml('<a>'.repeat(24) + '</a>'.repeat(24));
  rejects('<a>' + '<b/>'.repeat(256) + '</a>', /more than 256 elements/);
  parseXml('<a>' + '<b/>'.repeat(255) + '</a>');
  rejects('<a ID="1" ID="2"/>', /redefined/);
  rejects('<a><x:b/></a>', /well-formed/);
});

it('attributes, namespace declarations and references are counted before the DOM is built', () => {
  const attributes = (n: number, name = (i: number) => `a${i}`) =>
    Array.from({ length: n }, (_, i) => ` ${name(i)}="1"`).join('');
  parseXml(`<a${attributes(256)}><b${attributes(256)}/></a>`);
  rejects(`<a${attributes(256)}><b${attributes(257)}/></a>`, /more than 512 attributes/);
  parseXml(`<a${attributes(64, (i) => `xmlns:n${i}`)}/>`);
  rejects(
    `<a${attributes(32, (i) => `xmlns:n${i}`)}><b${attributes(33, (i) => `xmlns:m${i}`)}/></a>`,
    /more than 64 namespace declarations/,
  );
  rejects(`<a xmlns="urn:a">${'<b xmlns="urn:b"/>'.repeat(64)}</a>`, /more than 64 namespace declarations/);
  parseXml(`<a b="${'&amp;'.repeat(500)}">${'&#13;'.repeat(500)}</a>`);
  rejects(`<a b="${'&amp;'.repeat(500)}">${'&#13;'.repeat(501)}</a>`, /more than 1000 character or entity references/);
});

it('the pre-scan reads tags as XML does: quoted ">", comments and CDATA do not fool it', () => {
  const doc = parseXml('<a x="1>2" y=\'/>\'><!-- <c><c><c> --><![CDATA[<d><d>]]><e/></a>');
  assert.equal(doc.documentElement!.getAttribute('x'), '1>2');
  parseXml('<a>' + '<!-- <x> -->'.repeat(30) + '<b/></a>');
  rejects('<a><b></a></b>', /does not close/);
  rejects('<a></zz><b/></a>', /does not close/);
  rejects('<a b=1/>', /unquoted/);
  rejects('<a b="1/>', /well-formed/);
  rejects('<a><!-- open', /well-formed/);
  rejects('<a>< b/></a>', /well-formed/);
  rejects('<a/><!-- fine --><b/>', /one root/);
  parseXml('<?xml version="1.0" encoding="utf-8"?>\n<!-- before --><a/><!-- after -->');
});

it('comments inside a value are refused instead of truncating it', () => {
  const doc = parseXml('<a><b>admin@example.com<!---->.evil.test</b><c>x<![CDATA[y]]></c></a>');
  assert.throws(() => textOf(requiredChild(doc.documentElement!, '', 'b')), /only text/);
  assert.throws(() => textOf(requiredChild(doc.documentElement!, '', 'c')), /only text/);
});
