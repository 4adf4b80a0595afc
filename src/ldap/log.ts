/** The part of a pino logger the directory uses. */
export interface LdapLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** For tests and tools that do not want output. */
export const silentLog: LdapLog = { debug() {}, info() {}, warn() {}, error() {} };
