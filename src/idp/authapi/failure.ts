import { LatchError } from '../../util/errors.ts';

// What an Auth API client is told when Latch refuses a request: the Duo-style failure body
// {"stat":"FAIL","code":40103,"message":…,"message_detail":…}, whose HTTP status is the code's
// first three digits (400 bad parameters, 401 credentials or signature, 403 forbidden, 404, 405,
// 413, 415, 429). The clients print `message` and `message_detail`, so both say what to fix.

export class ApiFailure extends LatchError {
  constructor(
    readonly apiCode: number,
    message: string,
    readonly messageDetail?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super({
      status: Math.floor(apiCode / 100),
      code: `authapi_${apiCode}`,
      publicMessage: message,
      detail: messageDetail,
    });
  }
}

export const badParameter = (detail: string) => new ApiFailure(40002, 'Invalid request parameters', detail);
export const missingParameter = (name: string) =>
  new ApiFailure(40002, 'Invalid request parameters', `missing parameter: ${name}`);

/** The failure body for any refusal: an ApiFailure as it is, anything else by its status. */
export function failureBody(error: LatchError): {
  stat: 'FAIL';
  code: number;
  message: string;
  message_detail?: string;
} {
  if (error instanceof ApiFailure) {
    return {
      stat: 'FAIL',
      code: error.apiCode,
      message: error.publicMessage,
      ...(error.messageDetail ? { message_detail: error.messageDetail } : {}),
    };
  }
  const status = error.status >= 500 ? 500 : error.status;
  const message = status >= 500 ? 'Internal server error' : error.expose ? error.publicMessage : 'Invalid request';
  return { stat: 'FAIL', code: status * 100 + 1, message };
}
