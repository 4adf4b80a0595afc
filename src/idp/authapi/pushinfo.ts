import { parsePairs } from './request.ts';

// pushinfo: what a logon client wants shown on the phone with the request, a URL-encoded string
// of name=value pairs (login_duo sends "Server+IP=10.0.0.5&Command=sudo+ls"). Bounded and kept
// as plain text; the phone shows it, never interprets it.

const MAX_PAIRS = 8;
const MAX_LENGTH = 200;

export function parsePushinfo(raw: string | undefined): Array<{ name: string; value: string }> | undefined {
  if (!raw) return undefined;
  let pairs: Array<[string, string]>;
  try {
    pairs = parsePairs(raw);
  } catch {
    return [{ name: 'Details', value: raw.slice(0, MAX_LENGTH) }];
  }
  const clean = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_LENGTH);
  return pairs.slice(0, MAX_PAIRS).map(([name, value]) => ({ name: clean(name), value: clean(value) }));
}
