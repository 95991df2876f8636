export { createServer, DEFAULT_BODY_LIMIT, type LateIndexServer, type ListeningAddress, type ServerOptions } from './server.js';
export { IndexRegistry, DEFAULT_WRITE_QUEUE_CAPACITY, type IndexOpener, type OpenedIndex, type ServedIndex } from './index-registry.js';
export { WriteQueue } from './write-queue.js';
export { HttpError, problemFor, statusOf, type Problem, type ProblemIssue } from './problem.js';
export { requireApiKey } from './auth.js';
export { openApiDocument } from './openapi.js';
export * from './schemas.js';
export { BUILT_CONSOLE_DIR } from './console-static.js';
