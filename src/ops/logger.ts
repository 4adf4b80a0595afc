import { pino, type Logger } from 'pino';

export type { Logger };

// Structured JSON logs. Anything that could hold a secret is redacted by path as a last line of
// defence; code should not log secrets in the first place.
const REDACT = [
  'password',
  '*.password',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'secret',
  '*.secret',
  'code',
  '*.passcode',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'latch' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
