import type { z } from 'zod';
import { LatchError } from '../util/errors.ts';

// Bad input to the console or the API: every problem found, each naming the field and what is
// expected, as the config file's errors do ("redirect_uris.0: expected an absolute URL without a
// fragment (got "https://app/cb#x")"). Nothing is changed when there is any.

export interface Problem {
  /** The field's path ("redirect_uris.0", "rememberDevice.lifetime"); "" for the whole request. */
  field: string;
  message: string;
}

export class InputError extends LatchError {
  readonly problems: Problem[];

  constructor(problems: Problem[], options: { status?: number; code?: string } = {}) {
    const text = problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
    super({
      status: options.status ?? 400,
      code: options.code ?? 'invalid_request',
      publicMessage: text,
      detail: text,
    });
    this.problems = problems;
  }
}

/** One problem as an InputError. */
export function badInput(field: string, message: string, options: { status?: number; code?: string } = {}): InputError {
  return new InputError([{ field, message }], options);
}

/** zod's issues as problems, each with the value it got; `prefix` goes before every field. */
export function problemsOf(issues: z.core.$ZodIssue[], input: unknown, prefix = ''): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean);
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'unknown field' }));
    const actual = valueAt(input, issue.path);
    const got = actual === undefined ? 'nothing' : JSON.stringify(actual).slice(0, 200);
    return [{ field: path.join('.'), message: `${issue.message.replace(/^Invalid input: /, '')} (got ${got})` }];
  });
}

/** Parses `input` with `schema`, or throws every problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InputError(problemsOf(result.error.issues, input, prefix));
  return result.data;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
