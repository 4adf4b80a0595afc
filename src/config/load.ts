import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type LatchConfig } from './schema.ts';

/** Raised when configuration cannot be used; `problems` lists every bad key, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Latch cannot start: the configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

/** Environment variables that override single keys; documented in README.md. */
const ENV_OVERRIDES: Record<string, { path: string[]; parse: (v: string) => unknown }> = {
  LATCH_PORT: { path: ['server', 'port'], parse: (v) => (/^\d+$/.test(v) ? Number(v) : v) },
  LATCH_HOST: { path: ['server', 'host'], parse: String },
  LATCH_BASE_URL: { path: ['server', 'baseUrl'], parse: String },
  LATCH_DATA_DIR: { path: ['dataDir'], parse: String },
  LATCH_WORKERS: { path: ['server', 'workers'], parse: (v) => (/^\d+$/.test(v) ? Number(v) : v) },
  LATCH_LOG_LEVEL: { path: ['log', 'level'], parse: String },
  LATCH_STORE: { path: ['store', 'type'], parse: String },
  LATCH_REDIS_URL: { path: ['store', 'redis', 'url'], parse: String },
  LATCH_POSTGRES_URL: { path: ['store', 'postgres', 'url'], parse: String },
  LATCH_MASTER_KEY_FILE: { path: ['keys', 'masterKeyFile'], parse: String },
};
/** LATCH_ variables that are not single-key overrides but are still Latch's. */
const OTHER_ENV = new Set(['LATCH_CONFIG']);

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Defaults to $LATCH_CONFIG. */
  file?: string;
  /** Resolves relative paths; defaults to the working directory. */
  cwd?: string;
}

type Tree = Record<string, unknown>;

export function loadConfig(options: LoadOptions = {}): LatchConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let merged = readYaml(DEFAULT_CONFIG_FILE);
  const file = options.file ?? env.LATCH_CONFIG;
  if (file) merged = deepMerge(merged, readYaml(path.resolve(cwd, file)));
  const problems = applyEnv(merged, env);
  defaultBaseUrl(merged);
  const result = configSchema.safeParse(merged);
  if (!result.success) problems.push(...result.error.issues.map((issue) => describeIssue(issue, merged)));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolvePaths(result.data!, cwd);
}

function readYaml(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((e) => `${file}: ${e.message}`));
  const value = documentValue(doc, file) ?? {};
  if (!isTree(value)) throw new ConfigError([`${file}: expected a YAML mapping at the top level`]);
  return value;
}

/** The document as plain values; an unresolved alias or too many aliases (a billion-laughs file) is refused, not thrown raw. */
function documentValue(doc: YAML.Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([`${file}: ${(err as Error).message}`]);
  }
}

function applyEnv(tree: Tree, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LATCH_') || value === undefined || OTHER_ENV.has(name)) continue;
    const override = ENV_OVERRIDES[name];
    if (!override) {
      problems.push(
        `${name}: unknown environment variable (known: ${[...Object.keys(ENV_OVERRIDES), ...OTHER_ENV].join(', ')})`,
      );
      continue;
    }
    setPath(tree, override.path, override.parse(value));
  }
  return problems;
}

/** Unset, the public URL follows the port, so `LATCH_PORT=9000 npm start` advertises :9000. */
function defaultBaseUrl(tree: Tree): void {
  const server = tree.server;
  if (!isTree(server) || server.baseUrl !== undefined) return;
  const port = typeof server.port === 'number' && server.port > 0 ? server.port : 8080;
  server.baseUrl = `http://localhost:${port}`;
}

function describeIssue(issue: z.core.$ZodIssue, input: Tree): string {
  const key = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${[...issue.path, k].join('.')}: unknown key`).join('; ');
  }
  const actual = getPath(input, issue.path);
  const got = actual === undefined ? 'nothing' : JSON.stringify(actual);
  return `${key}: ${issue.message.replace(/^Invalid input: /, '')} (got ${got})`;
}

/** Paths in the config are relative to the working directory; unset ones live under dataDir. */
function resolvePaths(config: LatchConfig, cwd: string): LatchConfig {
  const dataDir = path.resolve(cwd, config.dataDir);
  const inData = (value: string | undefined, fallback: string) => path.resolve(dataDir, value ?? fallback);
  const abs = (value: string) => path.resolve(cwd, value);
  return {
    ...config,
    dataDir,
    server: {
      ...config.server,
      baseUrl: config.server.baseUrl.replace(/\/+$/, ''),
      tls: config.server.tls && { certFile: abs(config.server.tls.certFile), keyFile: abs(config.server.tls.keyFile) },
    },
    store: { ...config.store, sqlite: { file: inData(config.store.sqlite.file, 'latch.sqlite') } },
    keys: {
      ...config.keys,
      dir: inData(config.keys.dir, 'keys'),
      ...(config.keys.masterKeyFile ? { masterKeyFile: abs(config.keys.masterKeyFile) } : {}),
    },
    directory: { ...config.directory, local: { file: inData(config.directory.local.file, 'users.yaml') } },
  };
}

export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isTree(prev) && isTree(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setPath(tree: Tree, keys: string[], value: unknown): void {
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1]!] = value;
}

function getPath(tree: unknown, keys: PropertyKey[]): unknown {
  let node = tree;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
