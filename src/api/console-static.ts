import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { HttpError } from './problem.js';

/** Where `npm run build:console` (run by `npm ci` / `npm install` through `prepare`) writes the web console. */
export const BUILT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/** What the console's own page may load: only this origin (vega's tooltips and charts set inline styles). */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The web console: `GET /` is its page and `/assets/*` its content-hashed scripts and styles. Served without the
 * API key (the page holds no data; it asks for the key and sends it with every API call), from `dir`.
 */
export function consoleRoutes(dir: string): Router {
  const router = Router();
  const page = path.join(dir, 'index.html');
  const headers = (res: express.Response): void => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
  };
  router.get('/', (_req, res, next) => {
    if (!existsSync(page)) {
      return next(new HttpError('console_not_built', `the web console is not built (${page} is missing): run "npm run build:console"`));
    }
    headers(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(page);
  });
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      index: false,
      fallthrough: true,
      immutable: true,
      maxAge: '365d',
      setHeaders: (res) => headers(res),
    }),
  );
  return router;
}
