/** A refused request: the HTTP status and the protocol's error body. */
import type { ErrorAnswer, ErrorCode } from '../src/sync/protocol';

/** Thrown anywhere in a handler (or a transaction, which it rolls back) to answer with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: Partial<ErrorAnswer> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** The answer's body. */
  body(): ErrorAnswer {
    return { error: this.code, message: this.message, ...this.extra };
  }
}
