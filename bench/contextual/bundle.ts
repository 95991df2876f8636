/**
 * The precomputed-embeddings bundle the engine reads, and a reader that streams its documents:
 *   embeddings.npy      float32 or float16, (total_tokens, dim), C order: every document's token vectors in order
 *   doclens.npy         int32, (num_docs,): token vectors per document, summing to total_tokens
 *   ids.txt             one document id per line (UTF-8), num_docs lines
 *   queries.npy         float32, (num_queries * query_tokens, dim)
 *   query-targets.json  query i -> the id of its planted relevant document
 *   bundle.json         counts, dtype and the generator parameters; written last, so its presence marks a
 *                       complete bundle
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../src/shared/index.js';
import type { ContextualCorpusParams } from './generator.js';
import { readNpy, readNpyLayout, readRowsAt, type NpyLayout } from './npy.js';

export const BUNDLE_FILES = {
  embeddings: 'embeddings.npy',
  doclens: 'doclens.npy',
  ids: 'ids.txt',
  queries: 'queries.npy',
  targets: 'query-targets.json',
  manifest: 'bundle.json',
  exhaustive: 'exhaustive-top100.json',
} as const;

export interface BundleManifest {
  readonly format: 'lateindex-contextual-bundle';
  readonly version: 1;
  readonly documents: number;
  readonly tokens: number;
  readonly dim: number;
  readonly dtype: 'float32' | 'float16';
  readonly queries: number;
  readonly queryTokens: number;
  readonly generator: ContextualCorpusParams;
  /** Wall and CPU seconds of the write, for the record. */
  readonly writeSeconds?: number;
  readonly writeCpuSeconds?: number;
}

/** A bundle opened for reading: the small arrays in memory, embeddings read on demand. */
export class Bundle {
  readonly manifest: BundleManifest;
  readonly doclens: Int32Array;
  /** offsets[i] = first row of document i; offsets[documents] = total tokens. */
  readonly offsets: Float64Array;
  readonly embeddings: NpyLayout;

  private constructor(readonly dir: string) {
    const manifestPath = path.join(dir, BUNDLE_FILES.manifest);
    let manifest: BundleManifest;
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
    } catch (error) {
      throw new InputError(`cannot read the bundle manifest (${(error as Error).message}); is the bundle complete?`, { file: manifestPath });
    }
    if (manifest.format !== 'lateindex-contextual-bundle') throw new InputError('not a contextual bundle', { file: manifestPath }, 'format');
    this.manifest = manifest;
    const doclensPath = path.join(dir, BUNDLE_FILES.doclens);
    const { layout, data } = readNpy(doclensPath);
    if (layout.dtype !== 'int32' || layout.shape.length !== 1 || layout.shape[0] !== manifest.documents) {
      throw new InputError(`expected int32 (${manifest.documents},), got ${layout.dtype} (${layout.shape.join(', ')})`, { file: doclensPath }, 'shape');
    }
    this.doclens = data as Int32Array;
    this.offsets = new Float64Array(manifest.documents + 1);
    for (let i = 0; i < manifest.documents; i++) this.offsets[i + 1] = this.offsets[i]! + this.doclens[i]!;
    const embeddingsPath = path.join(dir, BUNDLE_FILES.embeddings);
    this.embeddings = readNpyLayout(embeddingsPath);
    const [rows, dim] = this.embeddings.shape;
    if (this.embeddings.shape.length !== 2 || rows !== this.offsets[manifest.documents] || dim !== manifest.dim || this.embeddings.dtype !== manifest.dtype) {
      throw new InputError(
        `expected ${manifest.dtype} (${this.offsets[manifest.documents]}, ${manifest.dim}) (doclens sum), got ${this.embeddings.dtype} (${this.embeddings.shape.join(', ')})`,
        { file: embeddingsPath },
        'shape',
      );
    }
  }

  static open(dir: string): Bundle {
    return new Bundle(dir);
  }

  get documents(): number {
    return this.manifest.documents;
  }

  get dim(): number {
    return this.manifest.dim;
  }

  file(name: keyof typeof BUNDLE_FILES): string {
    return path.join(this.dir, BUNDLE_FILES[name]);
  }

  ids(): string[] {
    const lines = readFileSync(this.file('ids'), 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (lines.length !== this.documents) throw new InputError(`${lines.length} ids for ${this.documents} documents`, { file: this.file('ids') });
    return lines;
  }

  /** Each query's queryTokens x dim rows. */
  queries(): Float32Array[] {
    const { data } = readNpy(this.file('queries'));
    const size = this.manifest.queryTokens * this.dim;
    return Array.from({ length: this.manifest.queries }, (_, q) => (data as Float32Array).subarray(q * size, (q + 1) * size));
  }

  /** Each query's planted document id. */
  targets(): string[] {
    return JSON.parse(readFileSync(this.file('targets'), 'utf8')) as string[];
  }

  /** A reader of document ranges (one open file descriptor; close it). */
  openReader(): BundleReader {
    return new BundleReader(this);
  }
}

/** The raw stored rows of a run of consecutive documents. */
export interface DocumentChunk {
  readonly firstDocument: number;
  readonly count: number;
  /** Rows in the file's dtype (float16 as little-endian bits), documents back to back. */
  readonly bytes: Uint8Array;
  /** rowStart[k] = first row (within the chunk) of document firstDocument + k; rowStart[count] = rows. */
  readonly rowStart: Int32Array;
}

export class BundleReader {
  private readonly fd: number;
  private buffer = new Uint8Array(0);

  constructor(private readonly bundle: Bundle) {
    this.fd = openSync(bundle.file('embeddings'), 'r');
  }

  /** Documents [first, first + count): one positional read. The bytes are valid until the next call. */
  read(first: number, count: number): DocumentChunk {
    const { offsets, embeddings } = this.bundle;
    const rowFirst = offsets[first]!;
    const rows = offsets[first + count]! - rowFirst;
    if (this.buffer.length < rows * embeddings.rowBytes) this.buffer = new Uint8Array(Math.ceil(rows * embeddings.rowBytes * 1.25));
    const bytes = readRowsAt(this.fd, embeddings, rowFirst, rows, this.buffer);
    const rowStart = new Int32Array(count + 1);
    for (let k = 0; k < count; k++) rowStart[k + 1] = rowStart[k]! + this.bundle.doclens[first + k]!;
    return { firstDocument: first, count, bytes, rowStart };
  }

  close(): void {
    closeSync(this.fd);
  }
}
