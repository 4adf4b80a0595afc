/**
 * Raised when a file in the keys directory cannot be used. The message names the file and says
 * what to do; the server refuses to start rather than sign with a key it cannot trust.
 */
export class KeyFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'KeyFileError';
  }
}
