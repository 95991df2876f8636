import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb';
import type { EncoderIdentity } from '../../encode/index.js';
import { writeFileAtomic } from '../../index/index.js';
import { LateIndexError, multiVector, type MultiVector } from '../../shared/index.js';

/** Per-document fields kept beside the vectors: what the ingest pipeline needs besides `data`. */
interface EncodedDocHeader {
  id: string;
  /** Kept for the indexes' sparse (BM25) postings. */
  title?: string;
  text?: string;
  dim: number;
  count: number;
  tokens?: string[];
  tokenIds?: number[];
  grid?: [number, number];
}

/** The record fields a sweep index keeps: id, and the text its sparse postings are built from. */
export interface EncodedDocument {
  readonly id: string;
  readonly title?: string;
  readonly text?: string;
}

/** Written last: its presence (with matching identity) marks a complete store that a resumed sweep may reuse. */
export interface EncodedStoreStamp {
  readonly encoder: EncoderIdentity;
  /** Identifies the corpus file version the vectors came from. */
  readonly corpus: { readonly path: string; readonly bytes: number; readonly mtimeMs: number };
  readonly documents: number;
  readonly vectors: number;
}

const STAMP_FILE = 'complete.json';

/**
 * The encoded corpus of a sweep, on disk (LMDB) so memory stays bounded by one batch: documents in corpus order
 * under sequence keys 0..n-1, vectors as raw float32 bytes. Written once, read once per configuration.
 */
export class EncodedStore {
  private readonly env: RootDatabase;
  private readonly headers: Database<EncodedDocHeader, number>;
  private readonly vectors: Database<Uint8Array, number>;
  private size: number;
  private vectorTotal = 0;

  private constructor(
    readonly dir: string,
    env: RootDatabase,
  ) {
    this.env = env;
    this.headers = env.openDB<EncodedDocHeader, number>({ name: 'headers', keyEncoding: 'uint32' });
    this.vectors = env.openDB<Uint8Array, number>({ name: 'vectors', keyEncoding: 'uint32', encoding: 'binary' });
    this.size = this.headers.getKeysCount();
  }

  /** Creates an empty store in `dir`, removing whatever an interrupted earlier run left there. */
  static async create(dir: string): Promise<EncodedStore> {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    return new EncodedStore(dir, openLmdb({ path: path.join(dir, 'encoded.mdb'), compression: false, noSubdir: true }));
  }

  /** Opens a complete store whose stamp matches `expected` (encoder and corpus file); undefined otherwise. */
  static async openComplete(dir: string, expected: Omit<EncodedStoreStamp, 'documents' | 'vectors'>): Promise<EncodedStore | undefined> {
    const stamp = await readStamp(dir);
    if (!stamp || JSON.stringify({ e: stamp.encoder, c: stamp.corpus }) !== JSON.stringify({ e: expected.encoder, c: expected.corpus })) {
      return undefined;
    }
    const store = new EncodedStore(dir, openLmdb({ path: path.join(dir, 'encoded.mdb'), compression: false, noSubdir: true, readOnly: true }));
    if (store.size !== stamp.documents) {
      await store.close();
      return undefined;
    }
    store.vectorTotal = stamp.vectors;
    return store;
  }

  get documents(): number {
    return this.size;
  }

  /** Appends one batch in one transaction. */
  async append(docs: readonly EncodedDocument[], encoded: readonly MultiVector[]): Promise<void> {
    if (docs.length !== encoded.length) throw new RangeError(`${docs.length} documents for ${encoded.length} encoded ones`);
    const first = this.size;
    await this.env.transaction(() => {
      for (let i = 0; i < docs.length; i++) {
        const mv = encoded[i]!;
        const doc = docs[i]!;
        const header: EncodedDocHeader = { id: doc.id, dim: mv.dim, count: mv.count };
        if (doc.title !== undefined) header.title = doc.title;
        if (doc.text !== undefined) header.text = doc.text;
        if (mv.tokens) header.tokens = [...mv.tokens];
        if (mv.tokenIds) header.tokenIds = Array.from(mv.tokenIds);
        if (mv.grid) header.grid = [mv.grid[0], mv.grid[1]];
        this.headers.put(first + i, header);
        this.vectors.put(first + i, new Uint8Array(mv.data.buffer, mv.data.byteOffset, mv.data.byteLength));
      }
    });
    this.size += docs.length;
    for (const mv of encoded) this.vectorTotal += mv.count;
  }

  /** Marks the store complete for `stamp`'s encoder and corpus (fsyncs LMDB first). */
  async seal(stamp: Omit<EncodedStoreStamp, 'documents' | 'vectors'>): Promise<void> {
    await this.env.flushed;
    const full: EncodedStoreStamp = { ...stamp, documents: this.size, vectors: this.vectorTotal };
    writeFileAtomic(path.join(this.dir, STAMP_FILE), `${JSON.stringify(full, null, 2)}\n`);
  }

  /** Yields the documents in order, `batchSize` at a time, each with its own copy of the vectors. */
  *batches(batchSize: number): Generator<{ records: EncodedDocument[]; vectors: MultiVector[] }> {
    for (let start = 0; start < this.size; start += batchSize) {
      const docs: EncodedDocument[] = [];
      const vectors: MultiVector[] = [];
      const end = Math.min(this.size, start + batchSize);
      for (let key = start; key < end; key++) {
        const header = this.headers.get(key);
        const bytes = this.vectors.getBinary(key);
        if (!header || !bytes) throw new LateIndexError('encoded_store_corrupt', `${this.dir}: encoded document ${key} is missing`);
        // Copy into an aligned buffer: LMDB's bytes may sit at any offset.
        const data = new Float32Array(header.count * header.dim);
        new Uint8Array(data.buffer).set(bytes);
        docs.push({
          id: header.id,
          ...(header.title !== undefined && { title: header.title }),
          ...(header.text !== undefined && { text: header.text }),
        });
        vectors.push(
          multiVector(data, header.dim, {
            ...(header.tokens && { tokens: header.tokens }),
            ...(header.tokenIds && { tokenIds: Int32Array.from(header.tokenIds) }),
            ...(header.grid && { grid: header.grid }),
          }),
        );
      }
      yield { records: docs, vectors };
    }
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

async function readStamp(dir: string): Promise<EncodedStoreStamp | undefined> {
  const file = path.join(dir, STAMP_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as EncodedStoreStamp;
  } catch {
    return undefined;
  }
}
