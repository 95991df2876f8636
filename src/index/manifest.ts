import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IndexFormatError } from '../shared/index.js';
import { writeFileAtomic } from './atomic-file.js';
import { CODEC_NAMES, isCodecName } from './codecs/registry.js';
import { isBlockSize, MAX_BLOCK_SIZE } from './sparse/block-size.js';
import type { HnswParams, Manifest } from './types.js';

export const MANIFEST_FILE = 'manifest.json';
export const INDEX_FORMAT = 'lateindex';
/** 2: HNSW over distinct vectors with per-label owner lists (version-1 indexes must be rebuilt). */
export const INDEX_FORMAT_VERSION = 2;

export const DEFAULT_HNSW_PARAMS: HnswParams = { m: 16, efConstruction: 100, efSearch: 64, seed: 100 };

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_FILE);
}


/** Reads and validates `dir/manifest.json`; every failure is an IndexFormatError naming the file and field. */
export function readManifest(dir: string): Manifest {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new IndexFormatError('not_an_index', `${dir}: no such index directory`);
  }
  const file = manifestPath(dir);
  if (!existsSync(file)) throw new IndexFormatError('not_an_index', `${dir}: not a lateindex index (no ${MANIFEST_FILE})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new IndexFormatError('not_an_index', `${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { format?: unknown }).format !== INDEX_FORMAT) {
    throw new IndexFormatError('not_an_index', `${file}: field "format" is not "${INDEX_FORMAT}"`);
  }
  const m = raw as Record<string, unknown>;
  if (m.formatVersion !== INDEX_FORMAT_VERSION) {
    throw new IndexFormatError(
      'format_version',
      `${file}: index format version ${String(m.formatVersion)} is not supported (this lateindex reads version ${INDEX_FORMAT_VERSION})`,
    );
  }
  const bad = (field: string, expected: string): never => {
    throw new IndexFormatError('corrupt_manifest', `${file}: field "${field}" must be ${expected}`);
  };
  const enc = m.encoder as Record<string, unknown> | undefined;
  if (typeof enc !== 'object' || enc === null) bad('encoder', 'an object');
  const e = enc as Record<string, unknown>;
  if (e.kind !== 'onnx' && e.kind !== 'static' && e.kind !== 'precomputed') bad('encoder.kind', '"onnx", "static" or "precomputed"');
  if (typeof e.name !== 'string') bad('encoder.name', 'a string');
  if (!Number.isInteger(e.dim) || (e.dim as number) <= 0) bad('encoder.dim', 'a positive integer');
  if (typeof e.hash !== 'string') bad('encoder.hash', 'a string');
  if (m.encoderSource !== undefined && typeof m.encoderSource !== 'string') bad('encoderSource', 'a string');
  if (typeof m.reduction !== 'string') bad('reduction', 'a string');
  if (typeof m.quantization !== 'string' || !isCodecName(m.quantization)) bad('quantization', `one of ${CODEC_NAMES.join(', ')}`);
  const h = m.hnsw as Record<string, unknown> | undefined;
  if (typeof h !== 'object' || h === null) bad('hnsw', 'an object');
  for (const key of ['m', 'efConstruction', 'efSearch', 'seed'] as const) {
    if (!Number.isInteger((h as Record<string, unknown>)[key])) bad(`hnsw.${key}`, 'an integer');
  }
  if (m.exactMatchRecovery !== undefined && typeof m.exactMatchRecovery !== 'boolean') bad('exactMatchRecovery', 'true or false');
  const sp = m.sparse as Record<string, unknown> | undefined;
  if (sp !== undefined) {
    if (typeof sp !== 'object' || sp === null) bad('sparse', 'an object');
    if (sp.mode !== 'bm25' && sp.mode !== 'learned' && sp.mode !== 'none') bad('sparse.mode', '"bm25", "learned" or "none"');
    if (sp.mode !== 'none') {
      if (!isBlockSize(sp.blockSize)) bad('sparse.blockSize', `an integer in 1..${MAX_BLOCK_SIZE}`);
      for (const key of ['k1', 'b', 'learnedScale'] as const) {
        if (typeof sp[key] !== 'number' || !Number.isFinite(sp[key])) bad(`sparse.${key}`, 'a finite number');
      }
    }
  }
  return raw as Manifest;
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileAtomic(manifestPath(dir), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A cheap structural check (no LMDB access): the directory holds a manifest of our format. */
export function looksLikeIndex(dir: string): boolean {
  try {
    const raw = JSON.parse(readFileSync(manifestPath(dir), 'utf8')) as { format?: unknown };
    return raw.format === INDEX_FORMAT;
  } catch {
    return false;
  }
}
