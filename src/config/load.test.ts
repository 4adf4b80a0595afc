import { it } from 'mocha';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './load.ts';
import { tempDir } from '../../test/support/temp.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the configuration to be refused');
}

it('embedded defaults: localhost:8080, SQLite, local users, paths under dataDir', () => {
  const config = loadConfig({ env: {}, cwd: '/srv/latch' });
  assert.equal(config.server.port, 8080);
  assert.equal(config.server.baseUrl, 'http://localhost:8080');
  assert.equal(config.store.type, 'sqlite');
  assert.equal(config.store.sqlite.file, '/srv/latch/data/latch.sqlite');
  assert.equal(config.keys.dir, '/srv/latch/data/keys');
  assert.equal(config.directory.local.file, '/srv/latch/data/users.yaml');
  assert.equal(config.session.idleTimeout, 3_600_000);
});

it('LATCH_CONFIG is merged over the defaults, then LATCH_* variables override single keys', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'latch.yaml');
    writeFileSync(file, 'server:\n  port: 9000\n  baseUrl: https://idp.example.test/\nsession:\n  idleTimeout: 20m\n');
    const config = loadConfig({
      env: { LATCH_CONFIG: file, LATCH_PORT: '9443', LATCH_DATA_DIR: '/var/lib/latch' },
      cwd: dir,
    });
    assert.equal(config.server.port, 9443);
    assert.equal(config.server.baseUrl, 'https://idp.example.test');
    assert.equal(config.server.host, '127.0.0.1', 'keys not in the file keep their defaults');
    assert.equal(config.session.idleTimeout, 20 * 60_000);
    assert.equal(config.store.sqlite.file, '/var/lib/latch/latch.sqlite');
  } finally {
    cleanup();
  }
});

it('a bad value names the key, the value and what is expected; every problem is listed', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'server:\n  port: "abc"\n  prot: 1\nsession:\n  idleTimeout: soon\nstore:\n  type: mongo\n');
    const problems = problemsOf(() => loadConfig({ env: { LATCH_CONFIG: file }, cwd: dir }));
    assert.ok(
      problems.some((p) => p.startsWith('server.port:') && p.includes('got "abc"') && /number/.test(p)),
      problems.join('\n'),
    );
    assert.ok(problems.includes('server.prot: unknown key'), problems.join('\n'));
    assert.ok(
      problems.some((p) => p.startsWith('session.idleTimeout:') && p.includes('"15m"') && p.includes('got "soon"')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('store.type:') && p.includes('"sqlite"') && p.includes('got "mongo"')),
      problems.join('\n'),
    );
    assert.equal(problems.length, 4);
  } finally {
    cleanup();
  }
});

it('an unknown LATCH_ variable is refused with the list of known ones', () => {
  const problems = problemsOf(() => loadConfig({ env: { LATCH_PROT: '1' }, cwd: '/' }));
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^LATCH_PROT: unknown environment variable \(known: LATCH_PORT, /);
});

it('a missing or malformed config file is named', () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.match(
      problemsOf(() => loadConfig({ env: { LATCH_CONFIG: 'nope.yaml' }, cwd: dir }))[0]!,
      /nope\.yaml: cannot read the file \(ENOENT\)/,
    );
    writeFileSync(path.join(dir, 'list.yaml'), '- a\n- b\n');
    assert.match(
      problemsOf(() => loadConfig({ env: { LATCH_CONFIG: 'list.yaml' }, cwd: dir }))[0]!,
      /list\.yaml: expected a YAML mapping/,
    );
    // Found by fuzzing (test/fuzz/files.test.ts): an alias without its anchor threw a bare ReferenceError.
    writeFileSync(path.join(dir, 'alias.yaml'), 'server: *port\n');
    assert.match(
      problemsOf(() => loadConfig({ env: { LATCH_CONFIG: 'alias.yaml' }, cwd: dir }))[0]!,
      /alias\.yaml: Unresolved alias/,
    );
    const laughs = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefghi'.split('').map(
        (k, i) =>
          `${k}: &${k} [${Array(9)
            .fill('*' + 'abcdefghi'[i])
            .join(', ')}]`,
      ),
    ];
    writeFileSync(path.join(dir, 'laughs.yaml'), laughs.join('\n') + '\n');
    assert.match(
      problemsOf(() => loadConfig({ env: { LATCH_CONFIG: 'laughs.yaml' }, cwd: dir }))[0]!,
      /laughs\.yaml: .*alias/i,
    );
  } finally {
    cleanup();
  }
});

it('baseUrl must be an absolute http(s) URL', () => {
  const problems = problemsOf(() => loadConfig({ env: { LATCH_BASE_URL: 'idp.example.test' }, cwd: '/' }));
  assert.match(
    problems[0]!,
    /^server\.baseUrl: expected an absolute http:\/\/ or https:\/\/ URL \(got "idp\.example\.test"\)$/,
  );
});

it('an unset baseUrl follows the port, so the printed URL is the one that works', () => {
  assert.equal(loadConfig({ env: { LATCH_PORT: '9000' }, cwd: '/' }).server.baseUrl, 'http://localhost:9000');
  assert.equal(
    loadConfig({ env: { LATCH_PORT: '9000', LATCH_BASE_URL: 'https://idp.example.test' }, cwd: '/' }).server.baseUrl,
    'https://idp.example.test',
  );
});

it('server.workers: one per core by default; LATCH_WORKERS sets it; at least 1', () => {
  assert.equal(loadConfig({ env: {}, cwd: '/' }).server.workers, availableParallelism());
  assert.equal(loadConfig({ env: { LATCH_WORKERS: '1' }, cwd: '/' }).server.workers, 1);
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: { LATCH_WORKERS: '0' }, cwd: '/' })),
    ['server.workers: Too small: expected number to be >=1 (got 0)'],
  );
});

it('directory.accountCheckCache: 60s by default; a duration of at most 1h', () => {
  assert.equal(loadConfig({ env: {}, cwd: '/' }).directory.accountCheckCache, 60_000);
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'long.yaml'), 'directory:\n  accountCheckCache: 1d\n');
    const problems = problemsOf(() => loadConfig({ env: { LATCH_CONFIG: 'long.yaml' }, cwd: dir }));
    assert.deepEqual(problems, [
      'directory.accountCheckCache: expected at most 1h: a disabled account keeps working this long (got "1d")',
    ]);
    writeFileSync(path.join(dir, 'bad.yaml'), 'directory:\n  accountCheckCache: soon\n');
    assert.match(
      problemsOf(() => loadConfig({ env: { LATCH_CONFIG: 'bad.yaml' }, cwd: dir }))[0]!,
      /^directory\.accountCheckCache: expected a duration such as "90s"/,
    );
  } finally {
    cleanup();
  }
});

it('the cluster examples load: PostgreSQL or Redis, and one master key file', () => {
  const cwd = new URL('../..', import.meta.url).pathname;
  const postgres = loadConfig({ file: 'config/examples/cluster.yaml', env: {}, cwd });
  assert.equal(postgres.store.type, 'postgres');
  assert.match(postgres.store.postgres!.url!, /^postgres:\/\/latch@db1\.internal:5432,db2\.internal:5432\/latch$/);
  assert.equal(postgres.keys.masterKeyFile, '/etc/latch/master.key');
  const redis = loadConfig({ file: 'config/examples/redis.yaml', env: {}, cwd });
  assert.equal(redis.store.type, 'redis');
  assert.equal(redis.keys.masterKeyFile, '/etc/latch/master.key');
  const fromEnv = loadConfig({
    env: {
      LATCH_STORE: 'postgres',
      LATCH_POSTGRES_URL: 'postgres://latch@127.0.0.1:5432/latch',
      LATCH_MASTER_KEY_FILE: '/k',
    },
    cwd,
  });
  assert.equal(fromEnv.store.postgres!.url, 'postgres://latch@127.0.0.1:5432/latch');
  assert.equal(fromEnv.keys.masterKeyFile, '/k');
});

it("server.heap: unset by default (Node's own limits); a value out of range is named", () => {
  assert.equal(loadConfig({ env: {}, cwd: '/' }).server.heap, undefined);
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'heap.yaml'), 'server:\n  heap:\n    youngMb: 0\n    maxMb: 64\n');
    assert.deepEqual(
      problemsOf(() => loadConfig({ env: { LATCH_CONFIG: 'heap.yaml' }, cwd: dir })),
      [
        'server.heap.youngMb: Too small: expected number to be >=1 (got 0)',
        'server.heap.maxMb: Too small: expected number to be >=128 (got 64)',
      ],
    );
  } finally {
    cleanup();
  }
});
