import type { Context } from 'mocha';

/** Shows a measured figure after the test's title in the report, e.g. "[median 0.4 ms of CPU]". */
export function note(context: Context, text: string): void {
  if (context.test) context.test.title += ` [${text}]`;
}
