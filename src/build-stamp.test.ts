import assert from 'node:assert/strict';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { buildInputs, buildProblem, stampOfSources, writeBuildStamp } from './build-stamp.ts';
import { tempDir } from '../test/support/temp.ts';

// A small stand-in for the repository: the stamp is about which files changed, not what they are.
describe('build stamp', () => {
  let root: string;
  let dist: string;
  let cleanup: () => void;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  beforeEach(() => {
    ({ dir: root, cleanup } = tempDir('latch-stamp-'));
    dist = path.join(root, 'dist');
    write('src/main.ts', 'export const a = 1;\n');
    write('src/ui/static/latch.css', 'body {}\n');
    write('src/main.test.ts', 'test\n');
    write('tsconfig.json', '{}\n');
    mkdirSync(dist);
    writeBuildStamp(dist, stampOfSources(root));
  });
  afterEach(() => cleanup());

  it('the inputs are src/ without its tests, and the build files that exist', () => {
    assert.deepEqual(buildInputs(root), ['src/main.ts', 'src/ui/static/latch.css', 'tsconfig.json']);
  });

  it('a build of the current sources has no problem, whatever the files’ times', () => {
    assert.equal(buildProblem(root, dist), undefined);
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(path.join(root, 'src/main.ts'), future, future);
    write('src/ui/static/latch.css', 'body {}\n');
    assert.equal(buildProblem(root, dist), undefined, 'same content, newer times: still current');
  });

  it('an edit, a new file and a removed one are each named, even with an older time', () => {
    write('src/main.ts', 'export const a = 2;\n');
    const past = new Date('2001-01-01');
    utimesSync(path.join(root, 'src/main.ts'), past, past);
    write('src/extra.ts', 'export {};\n');
    rmSync(path.join(root, 'src/ui/static/latch.css'));
    assert.equal(
      buildProblem(root, dist),
      'The build in dist/ is older than the sources: src/extra.ts is new, src/main.ts changed, src/ui/static/latch.css was removed.',
    );
    write('src/main.ts', 'export const a = 1;\n');
    assert.match(
      buildProblem(root, dist) ?? '',
      /^The build in dist\/ is older than the sources: src\/extra\.ts is new, src\/ui\/static\/latch\.css was removed\.$/,
    );
  });

  it('a test file does not make the build out of date', () => {
    write('src/main.test.ts', 'changed\n');
    write('src/other.test.ts', 'new\n');
    assert.equal(buildProblem(root, dist), undefined);
  });

  it('many changes are summed up after five', () => {
    for (let i = 0; i < 8; i++) write(`src/new-${i}.ts`, '');
    assert.match(buildProblem(root, dist) ?? '', /src\/new-4\.ts is new, 3 more\.$/);
  });

  it('no stamp: the build did not finish', () => {
    rmSync(path.join(dist, 'build-stamp.json'));
    assert.equal(buildProblem(root, dist), 'The build in dist/ is unfinished: it has no build-stamp.json.');
  });
});
