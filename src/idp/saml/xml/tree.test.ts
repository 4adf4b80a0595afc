import { DOMParser } from '@xmldom/xmldom';
import { it } from 'mocha';
import assert from 'node:assert/strict';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { canonicalize, element, serialize, type XmlElement, type XmlNode } from './tree.ts';

// The tree's canonical form must be exactly what an independent canonicalizer (xml-crypto's, over
// xmldom's parse of the document form) computes, or signatures would not verify. Checked on
// hand-picked cases and on a few thousand random trees with the characters that need care.

/** What a verifier computes: parse the document, canonicalize the element (ancestors' namespaces in scope). */
function independent(xml: string, pick: (root: Element) => Element = (root) => root): string {
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
  const target = pick(doc.documentElement as unknown as Element);
  const ancestors: Array<{ prefix: string; namespaceURI: string }> = [];
  for (let node = target.parentNode; node && node.nodeType === 1; node = node.parentNode) {
    for (const a of Array.from((node as Element).attributes))
      if (a.prefix === 'xmlns') ancestors.push({ prefix: a.localName, namespaceURI: a.value });
  }
  return new ExclusiveCanonicalization().process(target.cloneNode(true) as Element, { ancestorNamespaces: ancestors });
}

const NS = {
  a: 'urn:a',
  b: 'urn:b',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
};

it('renders a declaration where a name visibly uses it, and drops the ones only a value uses', () => {
  const tree = element(
    'a:Root',
    { ID: '_1' },
    [
      element('a:Child', {}, [element('a:Value', { 'xsi:type': 'xs:string' }, ['v'])]),
      element('b:Other', { 'b:flag': 'yes' }),
    ],
    { a: NS.a, b: NS.b, xsi: NS.xsi, xs: NS.xs },
  );
  const expected =
    '<a:Root xmlns:a="urn:a" ID="_1"><a:Child><a:Value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">v</a:Value></a:Child>' +
    '<b:Other xmlns:b="urn:b" b:flag="yes"></b:Other></a:Root>';
  assert.equal(canonicalize(tree), expected);
  assert.equal(independent(serialize(tree)), expected);
});

it('escapes as canonical XML does, and writes the document so that a parser gives the same values back', () => {
  const nasty = 'a&b<c>d"e\'f\tg\nh\ri ünï €𝄞';
  const tree = element('a:Root', { Name: nasty, Other: 'plain' }, [nasty, element('a:Empty')], { a: NS.a });
  assert.equal(canonicalize(tree), independent(serialize(tree)));
  assert.match(canonicalize(tree), /Name="a&amp;b&lt;c>d&quot;e'f&#x9;g&#xA;h&#xD;i ünï €𝄞"/);
  assert.match(canonicalize(tree), />a&amp;b&lt;c&gt;d"e'f\tg\nh&#xD;i ünï €𝄞<a:Empty><\/a:Empty>/);
});

it('characters XML cannot carry become U+FFFD in both forms', () => {
  const tree = element('a:Root', { Name: 'x\u0001y\uD800' }, ['\u0000z'], { a: NS.a });
  assert.equal(canonicalize(tree), '<a:Root xmlns:a="urn:a" Name="x\uFFFDy\uFFFD">\uFFFDz</a:Root>');
  assert.equal(independent(serialize(tree)), canonicalize(tree));
});

it("a subtree is canonicalized with its ancestors' declarations in scope but not rendered", () => {
  const inner = element('a:Inner', { ID: '_2' }, [element('b:Leaf', {}, ['x'])]);
  const outer = element('b:Outer', {}, [inner], { a: NS.a, b: NS.b });
  const pick = (root: Element) => root.firstChild as Element;
  assert.equal(canonicalize(inner, outer.xmlns), independent(serialize(outer), pick));
  assert.equal(
    canonicalize(inner, outer.xmlns),
    '<a:Inner xmlns:a="urn:a" ID="_2"><b:Leaf xmlns:b="urn:b">x</b:Leaf></a:Inner>',
  );
});

it('refuses names it cannot canonicalize: unprefixed elements, namespace declarations as attributes, undeclared prefixes', () => {
  assert.throws(() => element('Root'), /must be prefixed/);
  assert.throws(() => element('a:Root', { 'xmlns:c': 'urn:c' }), /bad XML attribute name/);
  assert.throws(() => canonicalize(element('c:Root')), /prefix "c" of c:Root is not declared/);
});

/** A small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['a', 'Z', '0', ' ', '&', '<', '>', '"', "'", '\t', '\n', '\r', 'é', '€', '𝄞', ']]>', '\u0002'];

function randomTree(next: () => number, depth: number): XmlElement {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const text = () => Array.from({ length: Math.floor(next() * 6) }, () => pick(ALPHABET)).join('');
  const prefix = pick(['a', 'b', 'xsi']);
  const attributes: Record<string, string> = {};
  for (const name of ['ID', 'Name', 'b:flag', 'a:z', 'Alpha', 'xsi:type']) if (next() < 0.4) attributes[name] = text();
  const children: XmlNode[] = [];
  const count = depth > 0 ? Math.floor(next() * 4) : 0;
  for (let i = 0; i < count; i++) children.push(next() < 0.6 ? randomTree(next, depth - 1) : text() || 'x');
  const declare: Record<string, string> = depth === 3 || next() < 0.2 ? { a: NS.a, b: NS.b, xsi: NS.xsi } : {};
  return element(`${prefix}:E${Math.floor(next() * 3)}`, attributes, children, declare);
}

it('matches an independent canonicalizer on 2,000 random trees', () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const tree = randomTree(random(seed), 3);
    assert.equal(canonicalize(tree), independent(serialize(tree)), `seed ${seed}: ${serialize(tree)}`);
  }
});
