import type { z } from 'zod';
import { HttpError } from './problem.js';
import { issuesOf } from './schemas.js';

/** Parses a request body with its schema; failures become a 400 problem listing every issue with its path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  if (body === undefined) {
    throw new HttpError('missing_body', `${what}: expected a JSON body (Content-Type: application/json)`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    const first = issues[0];
    const summary = first ? `${first.path || '(body)'}: ${first.message}` : 'invalid body';
    throw new HttpError('validation_failed', `${what}: ${summary}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, {
      issues,
    });
  }
  return parsed.data;
}
