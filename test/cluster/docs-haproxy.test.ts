import assert from 'node:assert/strict';
import fs from 'node:fs';
import { it } from 'mocha';
import { haproxyConfig } from '../support/haproxy.ts';

// docs/cluster.md prints the HAProxy configuration the cluster tests run: the same settings, with
// real addresses and TLS there. An operator who copies it gets what the fault tests proved.

it('docs/cluster.md shows the HAProxy settings the cluster tests use', () => {
  const docs = fs.readFileSync(new URL('../../docs/cluster.md', import.meta.url), 'utf8');
  const block = /## 4\. HAProxy[\s\S]*?```\n([\s\S]*?)```/.exec(docs)?.[1];
  assert.ok(block, 'docs/cluster.md has the HAProxy configuration under "## 4. HAProxy"');
  // Addresses, TLS and the forwarded protocol are the operator's; every other line must match.
  const settings = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^(bind|server|http-request set-header)\b/.test(l));
  assert.deepEqual(settings(block), settings(haproxyConfig(443, [{ name: 'node1', port: 8080 }])));
});
