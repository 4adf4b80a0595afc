import fc from 'fast-check';

// How long each property runs: LATCH_FUZZ_MS milliseconds (default 2000, so `npm test` stays
// quick); maintainers run longer before a release, e.g. ten minutes a property:
//   LATCH_FUZZ_MS=600000 npx mocha --timeout 0 'test/fuzz/*.test.ts'
// A failure prints fast-check's seed and path; replay it with LATCH_FUZZ_SEED and LATCH_FUZZ_PATH.

export const FUZZ_MS = Number(process.env.LATCH_FUZZ_MS ?? 2000);

export function fuzzParameters<T>(): fc.Parameters<T> {
  const seed = process.env.LATCH_FUZZ_SEED;
  return {
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: FUZZ_MS,
    markInterruptAsFailure: false,
    ...(seed ? { seed: Number(seed), path: process.env.LATCH_FUZZ_PATH } : {}),
  };
}

/** Runs a property for the budget and says how many inputs it tried (at least `minRuns`). */
export async function fuzz<T>(
  property: fc.IAsyncPropertyWithHooks<T> | fc.IPropertyWithHooks<T>,
  minRuns = 50,
): Promise<number> {
  let runs = 0;
  const counted = property.afterEach(() => void runs++);
  await fc.assert(counted as fc.IAsyncPropertyWithHooks<T>, fuzzParameters<T>());
  if (runs < minRuns) throw new Error(`only ${runs} inputs were tried in ${FUZZ_MS} ms (expected at least ${minRuns})`);
  return runs;
}

/** Fragments that reach the XML parser's edges: DTDs and entities, CDATA ends, namespaces, odd code points. */
const MARKUP = [
  '<',
  '>',
  '"',
  '&',
  '<!DOCTYPE x [<!ENTITY e "x">]>',
  '&e;',
  ']]>',
  '<a>',
  'xmlns:x="y"',
  '\u0000',
  '\uFFFF',
  '\uD800',
];

/** A string with a few random edits (insert, delete, replace) of a valid document: close to valid, so it reaches deep. */
export function mutated(seedText: string): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat({ max: Math.max(0, seedText.length) }),
    drop: fc.nat({ max: 8 }),
    insert: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...MARKUP)),
  });
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let text = seedText;
    for (const { at, drop, insert } of edits) {
      const i = Math.min(at, text.length);
      text = text.slice(0, i) + insert + text.slice(i + drop);
    }
    return text;
  });
}
