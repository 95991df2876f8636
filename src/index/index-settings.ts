import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import { describeEncoder, sameEncoder, type EncoderIdentity } from '../encode/encoder.js';
import { IndexFormatError, InputError } from '../shared/index.js';
import { createCodec } from './codecs/registry.js';
import { DEFAULT_HNSW_PARAMS, INDEX_FORMAT, INDEX_FORMAT_VERSION, looksLikeIndex, manifestPath, readManifest } from './manifest.js';
import { DEFAULT_BLOCK_SIZE, isBlockSize, MAX_BLOCK_SIZE } from './sparse/block-size.js';
import { DEFAULT_BM25, DEFAULT_LEARNED_SCALE } from './sparse/impacts.js';
import { SparseStore } from './sparse/sparse-store.js';
import { STORE_FILE } from './store/store-schema.js';
import type { HnswParams, Manifest, QuantizationName, SparseIndexMode, SparseSettings } from './types.js';

export interface CreateIndexOptions {
  readonly encoder: EncoderIdentity;
  /** Default `float16`. */
  readonly quantization?: QuantizationName;
  /** Reduction pipeline spec; default `none`. */
  readonly reduction?: string;
  readonly hnsw?: Partial<HnswParams>;
  /** Recorded in the manifest as `encoderSource` (e.g. the model directory). */
  readonly encoderSource?: string;
  /** Sparse postings kept beside the vectors; default `{ mode: 'bm25', blockSize: 64 }`. */
  readonly sparse?: { readonly mode: SparseIndexMode; readonly blockSize?: number };
  /**
   * Keep each document's represented tokens for exact-match recovery (default false). Only sound for a
   * context-free encoder (see `ExactTokenStore`); `exactMatchRecoveryFor` says when to turn it on.
   */
  readonly exactMatchRecovery?: boolean;
}

/** The fixed part of a manifest: what an index is, as opposed to its counts and update time. */
export type IndexSettings = Omit<Manifest, 'counts' | 'updatedAt'>;

/**
 * Validates create options for a new index in `dir` (which must hold no index and no other files; nothing is
 * written yet) and fills in the defaults the index records.
 */
export function settingsFor(dir: string, opts: CreateIndexOptions, createdAt: string): IndexSettings {
  if (looksLikeIndex(dir) || existsSync(manifestPath(dir)) || existsSync(join(dir, STORE_FILE))) {
    throw new IndexFormatError('index_exists', `${dir}: an index already exists here`);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new IndexFormatError('directory_not_empty', `${dir}: directory is not empty; choose a new or empty directory for the index`);
  }
  const encoder = opts.encoder;
  if (!Number.isInteger(encoder.dim) || encoder.dim <= 0) {
    throw new InputError(`encoder dim must be a positive integer, got ${encoder.dim}`, undefined, 'encoder.dim');
  }
  const quantization = opts.quantization ?? 'float16';
  createCodec(quantization); // validates the name
  const given = Object.fromEntries(Object.entries(opts.hnsw ?? {}).filter(([, value]) => value !== undefined));
  const hnsw: HnswParams = { ...DEFAULT_HNSW_PARAMS, ...given };
  for (const [key, value] of Object.entries(hnsw)) {
    if (!Number.isInteger(value) || value < (key === 'seed' ? 0 : 1)) {
      throw new InputError(`HNSW parameter ${key} must be a positive integer, got ${String(value)}`, undefined, `hnsw.${key}`);
    }
  }
  return {
    format: INDEX_FORMAT,
    formatVersion: INDEX_FORMAT_VERSION,
    encoder: { kind: encoder.kind, name: encoder.name, dim: encoder.dim, hash: encoder.hash },
    reduction: opts.reduction ?? 'none',
    quantization,
    hnsw,
    sparse: sparseSettings(opts.sparse),
    ...(opts.exactMatchRecovery === true && { exactMatchRecovery: true }),
    createdAt,
    ...(opts.encoderSource !== undefined && { encoderSource: opts.encoderSource }),
  };
}

/** The settings of the index in `dir` (format version checked), which must have been built with `encoder` when given. */
export function settingsOf(dir: string, encoder: EncoderIdentity | undefined): IndexSettings {
  const manifest = readManifest(dir);
  if (encoder && !sameEncoder(manifest.encoder, encoder)) {
    throw new IndexFormatError('encoder_mismatch', `${dir}: index was built with ${describeEncoder(manifest.encoder)} but was opened with ${describeEncoder(encoder)}`);
  }
  if (!existsSync(join(dir, STORE_FILE))) throw new IndexFormatError('not_an_index', `${dir}: not a complete lateindex index (no ${STORE_FILE})`);
  const { counts: _counts, updatedAt: _updatedAt, ...settings } = manifest;
  return settings;
}

/** Opens the sparse store the settings ask for, naming the index and the way out when it cannot be read. */
export function openSparseStore(dir: string, env: RootDatabase, settings: IndexSettings): SparseStore | undefined {
  const sparse = settings.sparse;
  if (sparse === undefined || sparse.mode === 'none') return undefined;
  try {
    return new SparseStore(env, { mode: sparse.mode, blockSize: sparse.blockSize!, bm25: { k1: sparse.k1!, b: sparse.b! }, learnedScale: sparse.learnedScale! });
  } catch (error) {
    // Sparse postings cannot be rebuilt without the corpus.
    if (error instanceof IndexFormatError) throw new IndexFormatError(error.code, `${dir}: ${error.message}; rebuild it with "lateindex index --overwrite"`);
    throw error;
  }
}

/** Manifest record of the sparse configuration asked for at create (defaults: bm25, blocks of 64, Anserini BM25). */
function sparseSettings(given: CreateIndexOptions['sparse']): SparseSettings {
  const mode = given?.mode ?? 'bm25';
  if (mode !== 'bm25' && mode !== 'learned' && mode !== 'none') {
    throw new InputError(`sparse mode must be "bm25", "learned" or "none", got "${String(mode)}"`, undefined, 'sparse.mode');
  }
  if (mode === 'none') return { mode };
  const blockSize = given?.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!isBlockSize(blockSize)) {
    throw new InputError(`sparse blockSize must be an integer in 1..${MAX_BLOCK_SIZE}, got ${String(blockSize)}`, undefined, 'sparse.blockSize');
  }
  return { mode, blockSize, k1: DEFAULT_BM25.k1, b: DEFAULT_BM25.b, learnedScale: DEFAULT_LEARNED_SCALE };
}
