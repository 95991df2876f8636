import { statSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_BODY_LIMIT, DEFAULT_WRITE_QUEUE_CAPACITY, createServer, type LateIndexServer } from '../../api/index.js';
import { UsageError } from '../../shared/index.js';
import { nonNegativeInt, positiveInt } from '../options.js';

export function configure(command: Command): void {
  command
    .option('--index <dirs>', 'index directories, comma-separated (name = directory basename)')
    .option('--sweeps <dir>', 'serve the sweep reports found under this folder (read-only, for the console)')
    .addOption(new Option('--host <host>', 'address to bind').default('127.0.0.1'))
    .addOption(new Option('--port <n>', 'port (0 picks a free one)').argParser(port).default(8080))
    .addOption(new Option('--body-limit <size>', 'largest request body: a byte count or a size like "16mb"').argParser(bodyLimit).default(DEFAULT_BODY_LIMIT))
    .addOption(new Option('--write-queue <n>', 'writes waiting or running per index before 429').argParser(positiveInt).default(DEFAULT_WRITE_QUEUE_CAPACITY))
    .option('--read-only', 'refuse upserts and deletes (409)')
    .option('--search-threads <n>', 'worker threads running searches (default: cores, at most 4; 0 = on the event loop)', nonNegativeInt)
    .action(serveCommand);
}

function port(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}

function bodyLimit(value: string): string | number {
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i.test(value)) return value;
  throw new InvalidArgumentError(`expected a byte count or a size like "16mb", got "${value}"`);
}

export interface ServeCommandOptions {
  /** Comma-separated index directories (optional with `sweeps`). */
  readonly index?: string;
  /** Folder of sweep reports to serve. */
  readonly sweeps?: string;
  readonly host: string;
  readonly port: number;
  /** A byte count or a size such as "16mb". */
  readonly bodyLimit?: string | number;
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
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
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

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
