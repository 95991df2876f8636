import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { pino, type Logger } from 'pino';
import { UsageError } from '../shared/index.js';
import { requireApiKey } from './auth.js';
import { BUILT_CONSOLE_DIR, consoleRoutes } from './console-static.js';
import { IndexRegistry, type IndexOpener } from './index-registry.js';
import { Lifecycle } from './lifecycle.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { openApiDocument } from './openapi.js';
import { HttpError, problemFor, sendProblem, statusOf } from './problem.js';
import { documentRoutes } from './routes/documents.js';
import { healthRoutes } from './routes/health.js';
import { indexRoutes } from './routes/indexes.js';
import { searchRoutes } from './routes/search.js';
import { sweepRoutes } from './routes/sweeps.js';
import { defaultSearchThreads, SearchWorkerPool } from './search-workers.js';

export interface ServerOptions {
  /** Index directories to serve; each is reachable as `/v1/indexes/<basename>`. */
  readonly indexDirs: readonly string[];
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Bearer key required on every route but /livez and /readyz; none when absent or empty. */
  readonly apiKey?: string;
  /** Largest accepted request body, in bytes or as "16mb" (default 16 MiB). */
  readonly bodyLimit?: number | string;
  /** Writes waiting or running per index before further writes get 429 (default 8). */
  readonly writeQueueCapacity?: number;
  /** Serve without writing: upserts and deletes get 409, indexes are opened read-only. */
  readonly readOnly?: boolean;
  readonly logger?: Logger;
  /** How an index directory is opened (default: LateIndex.open plus the encoder its manifest names). */
  readonly openIndex?: IndexOpener;
  /** Upper bound on waiting for in-flight requests at close before connections are cut (default 30 s). */
  readonly shutdownTimeoutMs?: number;
  /**
   * Worker threads that run searches (default: the cores, at most 4; 0 runs them on the event loop). Workers open
   * the indexes themselves, so a custom `openIndex` implies 0.
   */
  readonly searchThreads?: number;
  /** Folder searched for sweep reports served read-only under /v1/sweeps (none when absent). */
  readonly sweepsDir?: string;
  /** The built web console served at `/` (default: the one `npm run build:console` writes); false: none. */
  readonly consoleDir?: string | false;
}

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

export interface LateIndexServer {
  readonly app: Express;
  readonly registry: IndexRegistry;
  readonly logger: Logger;
  /** Binds the port, then opens the indexes in the background (`/readyz` answers 503 until they are open). */
  listen(): Promise<ListeningAddress>;
  /** Settles when the indexes are open (or failed to open). */
  ready(): Promise<void>;
  /** Stops accepting, finishes in-flight requests and queued writes, saves and closes every index. */
  close(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT = '16mb';
const VERSION = '0.1.0';
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createServer(options: ServerOptions): LateIndexServer {
  // Searches in flight, so that a stream of writes leaves them room (WriteQueue pauses between writes).
  const searchLoad = { inFlight: 0 };
  // Validates names and duplicates before anything binds a port.
  const registry = new IndexRegistry(options.indexDirs, {
    // A server of sweep reports alone needs no index.
    allowNone: options.sweepsDir !== undefined,
    searchesWaiting: () => searchLoad.inFlight > 0,
    ...(options.readOnly !== undefined && { readOnly: options.readOnly }),
    ...(options.writeQueueCapacity !== undefined && { writeQueueCapacity: options.writeQueueCapacity }),
    ...(options.openIndex && { openIndex: options.openIndex }),
  });
  const logger = options.logger ?? pino({ name: 'lateindex' });
  const lifecycle = new Lifecycle();
  const openapi = openApiDocument(VERSION);
  const searchThreads = options.openIndex ? 0 : (options.searchThreads ?? defaultSearchThreads());
  if (!Number.isInteger(searchThreads) || searchThreads < 0) throw new UsageError(`search threads must be a non-negative integer, got ${searchThreads}`);
  let workers: SearchWorkerPool | undefined;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext(lifecycle, logger));
  app.use(healthRoutes(lifecycle, registry));
  const consoleDir = options.consoleDir ?? BUILT_CONSOLE_DIR;
  if (consoleDir !== false) app.use(consoleRoutes(consoleDir));
  app.use(requireApiKey(options.apiKey));
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/v1', admitWhenReady(lifecycle));
  app.use(requireJsonBody);
  app.use(express.json({ limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(indexRoutes(registry));
  app.use(searchRoutes(registry, () => workers, searchLoad));
  app.use(documentRoutes(registry));
  app.use(sweepRoutes(options.sweepsDir));
  app.use(methodNotAllowed(openapi.paths as Record<string, object>));
  app.use((req, _res, next) => {
    next(new HttpError('route_not_found', `no route for ${req.method} ${req.path} (see GET /openapi.json)`));
  });
  app.use(errorHandler(logger));

  let httpServer: http.Server | undefined;
  let opening: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const openIndexes = (): Promise<void> => {
    opening ??= (async () => {
      await registry.open();
      if (searchThreads > 0 && registry.list().length > 0) {
        const indexes = Object.fromEntries(registry.list().map((s) => [s.name, { dir: s.dir, queryWeighting: s.encoder.queryWeighting }]));
        const pool = new SearchWorkerPool(indexes, searchThreads);
        workers = pool;
        await pool.warm();
      }
    })().then(
      () => {
        if (lifecycle.phase === 'starting') lifecycle.phase = 'ready';
        logger.info({ indexes: registry.names(), searchThreads }, 'indexes open');
      },
      (err: unknown) => {
        if (lifecycle.phase === 'starting') lifecycle.phase = 'failed';
        logger.error({ err }, 'opening the indexes failed');
        throw err;
      },
    );
    return opening;
  };

  const listen = (): Promise<ListeningAddress> =>
    new Promise((resolve, reject) => {
      const server = http.createServer(app);
      httpServer = server;
      server.once('error', reject);
      server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        const { address, port } = server.address() as AddressInfo;
        const host = address.includes(':') ? `[${address}]` : address;
        const bound = { host: address, port, url: `http://${host}:${port}` };
        logger.info(bound, 'listening');
        openIndexes().catch(() => undefined);
        resolve(bound);
      });
    });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      lifecycle.phase = 'stopping';
      const server = httpServer;
      const serverClosed = server
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
      server?.closeIdleConnections();
      const timeout = options.shutdownTimeoutMs ?? 30_000;
      const timedOut = await Promise.race([lifecycle.idle().then(() => false), delay(timeout).then(() => true)]);
      if (timedOut) logger.warn({ inFlight: lifecycle.inFlight }, 'shutdown timeout: cutting remaining connections');
      server?.closeAllConnections();
      await serverClosed;
      if (opening) await opening.catch(() => undefined);
      await workers?.close();
      await registry.close();
      logger.info('closed');
    })();
    return closing;
  };

  return {
    app,
    registry,
    logger,
    listen,
    ready: () => openIndexes(),
    close,
  };
}

/** Request id (echoed as X-Request-ID), in-flight accounting, one structured log line per request with latency. */
function requestContext(lifecycle: Lifecycle, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const given = req.get('x-request-id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-ID', requestId);
    lifecycle.begin();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      lifecycle.end();
      const fields = {
        req_id: requestId,
        method: req.method,
        path: req.originalUrl,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) logger.warn(fields, 'request');
      else logger.info(fields, 'request');
    };
    res.on('finish', finish);
    res.on('close', finish);
    if (lifecycle.phase === 'stopping' && !isProbe(req.path)) {
      res.setHeader('Connection', 'close');
      return next(new HttpError('shutting_down', 'the server is shutting down'));
    }
    if (lifecycle.phase === 'stopping') res.setHeader('Connection', 'close');
    next();
  };
}

function isProbe(path: string): boolean {
  return path === '/livez' || path === '/readyz';
}

function admitWhenReady(lifecycle: Lifecycle): RequestHandler {
  return (_req, _res, next) => {
    if (lifecycle.phase === 'ready') return next();
    if (lifecycle.phase === 'failed') return next(new HttpError('not_ready', 'the indexes failed to open; see the server log'));
    next(new HttpError('not_ready', 'the indexes are still opening', { headers: { 'Retry-After': '1' } }));
  };
}

/** Bodies must be JSON: anything else is a 415 rather than a confusing validation error. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    return next(new HttpError('unsupported_media_type', `request bodies must be JSON (Content-Type: application/json), got ${req.get('content-type') ?? 'none'}`));
  }
  next();
};

/** body-parser and router errors carry `type`/`status`; they become problems with stable codes. */
function fromFrameworkError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null || err instanceof HttpError) return err;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') {
    const limit = (err as { limit?: number }).limit;
    return new HttpError('payload_too_large', `request body is larger than the limit${limit !== undefined ? ` of ${limit} bytes` : ''}`);
  }
  if (type === 'entity.parse.failed') return new HttpError('malformed_json', `request body is not valid JSON: ${(err as Error).message}`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new HttpError('unsupported_media_type', (err as Error).message);
  if (typeof status === 'number' && status >= 400 && status < 500) return new HttpError('bad_request', (err as Error).message);
  if (err instanceof URIError) return new HttpError('bad_request', 'malformed percent-encoding in the URL');
  return err;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const mapped = fromFrameworkError(err);
    if (statusOf(mapped) >= 500) {
      logger.error({ err, req_id: res.locals.requestId, path: req.originalUrl }, problemFor(mapped).detail);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, mapped);
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
