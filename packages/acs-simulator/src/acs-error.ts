/**
 * The one error type handlers throw. The server turns it into ACS's error body
 * `{ "error": { "code", "message" } }` in a single place.
 */
export class AcsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'AcsHttpError';
  }
}

/** The error codes used when nobody says otherwise (fault injection, for example). */
export function defaultErrorCode(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 409: return 'Conflict';
    case 412: return 'PreconditionFailed';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalServerError';
    case 502: return 'BadGateway';
    case 503: return 'ServiceUnavailable';
    case 504: return 'GatewayTimeout';
    default: return status >= 500 ? 'ServerError' : 'Error';
  }
}
