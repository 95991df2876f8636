import { statSync } from 'node:fs';
import path from 'node:path';
import { createServer, type LateIndexServer } from '../../api/index.js';
import { UsageError } from '../../shared/index.js';

export interface ServeCommandOptions {
  /** Comma-separated index directories (optional with `sweeps`). */
  readonly index?: string;
  /** Folder of sweep reports to serve. */
  readonly sweeps?: string;
  readonly host: string;
  readonly port: number;
  /** e.g. "16mb" or a byte count. */
  readonly bodyLimit?: string;
  readonly writeQueue?: number;
  readonly readOnly?: boolean;
  readonly searchThreads?: number;
}

/**
 * Serves the indexes until SIGTERM or SIGINT, then stops accepting, finishes in-flight requests, saves and closes
 * the indexes and returns (exit 0). The API key comes from LATEINDEX_API_KEY so it never shows in `ps`.
 */
export async function serveCommand(options: ServeCommandOptions): Promise<void> {
  const indexDirs = (options.index ?? '').split(',').map((dir) => dir.trim()).filter((dir) => dir !== '');
  if (indexDirs.length === 0 && options.sweeps === undefined) throw new UsageError('give --index <dirs> (at least one index directory), --sweeps <dir>, or both');
  if (options.sweeps !== undefined && !isDirectory(options.sweeps)) throw new UsageError(`--sweeps ${options.sweeps}: no such folder`);
  const server = createServer({
    indexDirs,
    ...(options.sweeps !== undefined && { sweepsDir: path.resolve(options.sweeps) }),
    host: options.host,
    port: options.port,
    ...(process.env.LATEINDEX_API_KEY && { apiKey: process.env.LATEINDEX_API_KEY }),
    ...(options.bodyLimit !== undefined && { bodyLimit: parseBodyLimit(options.bodyLimit) }),
    ...(options.writeQueue !== undefined && { writeQueueCapacity: options.writeQueue }),
    ...(options.readOnly && { readOnly: true }),
    ...(options.searchThreads !== undefined && { searchThreads: options.searchThreads }),
  });
  const stopped = untilSignal(server);
  await server.listen();
  try {
    await server.ready();
  } catch (err) {
    await server.close();
    throw err;
  }
  await stopped;
}

function untilSignal(server: LateIndexServer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      server.logger.info({ signal }, 'shutting down');
      server.close().then(resolve, reject);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function parseBodyLimit(value: string): string | number {
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i.test(value)) return value;
  throw new UsageError(`--body-limit must be a byte count or a size like "16mb", got "${value}"`);
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
