import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { KeyFileError } from './errors.ts';
import { writeFileAtomic } from './files.ts';

// keys.json: which generated key is current, next or retired, and the files that hold it.

export const MANIFEST_FILE = 'keys.json';

const fileName = z.string().regex(/^[A-Za-z0-9_-]+\.(key|crt)\.pem$/, 'expected a file name in the keys directory');

const manifestKey = z.strictObject({
  kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a base64url SHA-256 thumbprint'),
  alg: z.enum(['RS256', 'ES256']),
  status: z.enum(['current', 'next', 'retired']),
  createdAt: z.iso.datetime(),
  /** When it stopped signing; rotation keeps the two most recently retired. */
  retiredAt: z.iso.datetime().optional(),
  keyFile: fileName,
  certFile: fileName.optional(),
});

const manifestSchema = z.strictObject({
  version: z.literal(1),
  /** What certificates of keys generated later (at rotation) are made with. */
  certificate: z.strictObject({ commonName: z.string().min(1), lifetimeMs: z.number().int().positive() }),
  keys: z.array(manifestKey),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestKey = z.infer<typeof manifestKey>;

/** Reads the manifest of a keys directory; undefined when there is none yet. */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyFileError(file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KeyFileError(file, `corrupt key manifest: not JSON (${(err as Error).message})`);
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new KeyFileError(file, `corrupt key manifest: ${problems.join('; ')}`);
  }
  checkOneCurrentAndNext(file, result.data);
  return result.data;
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
}

/** The manifest entry with a status for an algorithm. */
export function entryFor(
  manifest: Manifest,
  alg: ManifestKey['alg'],
  status: ManifestKey['status'],
): ManifestKey | undefined {
  return manifest.keys.find((key) => key.alg === alg && key.status === status);
}

function checkOneCurrentAndNext(file: string, manifest: Manifest): void {
  for (const alg of ['RS256', 'ES256'] as const) {
    for (const status of ['current', 'next'] as const) {
      const count = manifest.keys.filter((key) => key.alg === alg && key.status === status).length;
      if (count > 1)
        throw new KeyFileError(file, `corrupt key manifest: ${count} ${status} ${alg} keys, expected at most one`);
    }
  }
}
