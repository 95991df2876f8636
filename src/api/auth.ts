import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ErrorCode } from '../shared/index.js';
import { HttpError } from './problem.js';

/** Routes reachable without a key: liveness and readiness probes come from orchestrators that hold no secrets. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz']);

/**
 * Bearer-token check against `apiKey` (no check when absent). Both sides are hashed to equal-length digests
 * before `timingSafeEqual`, so neither the key's content nor its length leaks through timing.
 */
export function requireApiKey(apiKey: string | undefined): RequestHandler {
  if (apiKey === undefined || apiKey === '') return (_req, _res, next) => next();
  const expected = digest(apiKey);
  return (req, _res, next) => {
    if (PUBLIC_PATHS.has(req.path)) return next();
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) {
      return next(unauthorized('missing_api_key', 'this server requires an API key: send "Authorization: Bearer <key>"'));
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) return next(unauthorized('invalid_api_key', 'the API key is not valid'));
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function unauthorized(code: ErrorCode, message: string): HttpError {
  return new HttpError(code, message, { headers: { 'WWW-Authenticate': 'Bearer realm="lateindex"' } });
}
