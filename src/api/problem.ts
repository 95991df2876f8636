import type { Response } from 'express';
import { ERROR_CODES, LateIndexError, type ErrorCode, type ErrorStatus } from '../shared/index.js';

/** One failed check of a request body, with the JSON path of the offending field. */
export interface ProblemIssue {
  readonly path: string;
  readonly message: string;
  readonly code: string;
}

/** RFC 9457 problem details plus lateindex's stable `code` (and the validation `issues` when there are any). */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: ErrorStatus;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly instance?: string;
  readonly request_id?: string;
  readonly issues?: readonly ProblemIssue[];
}

/** An error raised by the HTTP layer itself (auth, limits, readiness), or one a search worker reported. */
export class HttpError extends LateIndexError {
  /** The registry's status for `code`. */
  readonly status: ErrorStatus;
  readonly issues?: readonly ProblemIssue[];
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    code: ErrorCode,
    message: string,
    extra: { issues?: readonly ProblemIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(code, message);
    this.status = ERROR_CODES[code].status;
    if (extra.issues) this.issues = extra.issues;
    this.headers = extra.headers ?? {};
  }
}

const TITLES: Readonly<Record<ErrorStatus, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The registered code of an error; anything not raised on purpose is an `internal_error`. */
function codeOf(err: unknown): ErrorCode {
  return err instanceof LateIndexError ? err.code : 'internal_error';
}

/** HTTP status for an error: its code's, from the registry. */
export function statusOf(err: unknown): ErrorStatus {
  return ERROR_CODES[codeOf(err)].status;
}

/**
 * The problem document for an error. Unexpected errors get a generic detail: their message and stack go to the
 * log only, never to the client.
 */
export function problemFor(err: unknown, context: { instance?: string; requestId?: string } = {}): Problem {
  const code = codeOf(err);
  const status = ERROR_CODES[code].status;
  const known = err instanceof LateIndexError;
  const detail = known && (status < 500 || status === 503) ? err.message : 'internal server error; see the server log';
  return {
    type: `urn:lateindex:problem:${code}`,
    title: TITLES[status],
    status,
    detail,
    code,
    ...(context.instance !== undefined && { instance: context.instance }),
    ...(context.requestId !== undefined && { request_id: context.requestId }),
    ...(err instanceof HttpError && err.issues && { issues: err.issues }),
  };
}

export function sendProblem(res: Response, err: unknown): void {
  const problem = problemFor(err, { instance: res.req.originalUrl, requestId: res.locals.requestId as string | undefined });
  if (err instanceof HttpError) for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
