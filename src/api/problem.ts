import type { Response } from 'express';
import { InputError, LateIndexError, NotFoundError, UsageError } from '../shared/index.js';

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
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly request_id?: string;
  readonly issues?: readonly ProblemIssue[];
}

/** An error that already knows its HTTP status (auth, limits, readiness); `code` is stable like every LateIndexError. */
export class HttpError extends LateIndexError {
  readonly status: number;
  readonly issues?: readonly ProblemIssue[];
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: number,
    code: string,
    message: string,
    extra: { issues?: readonly ProblemIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(code, message);
    this.status = status;
    if (extra.issues) this.issues = extra.issues;
    this.headers = extra.headers ?? {};
  }
}

const TITLES: Readonly<Record<number, string>> = {
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

/** Library error codes that are the client's fault even though their class is not a usage/input error. */
const CLIENT_ERROR_CODES: Readonly<Record<string, number>> = {
  dimension_mismatch: 400,
  invalid_k: 400,
  invalid_candidates: 400,
  query_tokens_missing: 400,
  read_only: 409,
  index_closed: 503,
};

/** HTTP status for an error; anything not raised on purpose is a 500. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof LateIndexError && CLIENT_ERROR_CODES[err.code] !== undefined) return CLIENT_ERROR_CODES[err.code]!;
  if (err instanceof UsageError || err instanceof InputError) return 400;
  if (err instanceof NotFoundError) return 404;
  return 500;
}

/**
 * The problem document for an error. Unexpected errors get a generic detail: their message and stack go to the
 * log only, never to the client.
 */
export function problemFor(err: unknown, context: { instance?: string; requestId?: string } = {}): Problem {
  const status = statusOf(err);
  const known = err instanceof LateIndexError;
  const code = known ? err.code : 'internal_error';
  const detail = known && (status < 500 || status === 503) ? err.message : 'internal server error; see the server log';
  return {
    type: `urn:lateindex:problem:${code}`,
    title: TITLES[status] ?? 'Error',
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
