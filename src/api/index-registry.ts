import path from 'node:path';
import { loadEncoderFor, type Encoder } from '../encode/index.js';
import { IndexBuilder, LateIndex } from '../index/index.js';
import { parseReductionSpec } from '../pool/index.js';
import { LateInteractionSearcher, Retriever, StoredRowTokens } from '../search/index.js';
import { NotFoundError, UsageError } from '../shared/index.js';
import { INDEX_NAME_PATTERN } from './schemas.js';
import { searchModesOf, type SearchContext } from './search-execution.js';
import { WriteQueue } from './write-queue.js';

/** An opened index and the encoder it was built with. */
export interface OpenedIndex {
  readonly index: LateIndex;
  readonly encoder: Encoder;
}

/** Opens one index directory; the default checks the encoder identity against the manifest. */
export type IndexOpener = (dir: string, options: { readOnly: boolean }) => Promise<OpenedIndex>;

/** Everything the routes need for one served index. */
export interface ServedIndex extends SearchContext {
  readonly dir: string;
  readonly encoder: Encoder;
  readonly builder: IndexBuilder;
  /** The index's single writer: upserts and deletes run through it one at a time. */
  readonly writes: WriteQueue;
  /** Which document tokens stored rows stand for (token scores' text and offsets). */
  readonly rowTokens: StoredRowTokens;
  readonly readOnly: boolean;
}

export interface IndexRegistryOptions {
  /** Accept an empty list of index directories (a server of sweep reports only). */
  readonly allowNone?: boolean;
  readonly readOnly?: boolean;
  /** Writes waiting or running per index before further writes get 429. */
  readonly writeQueueCapacity?: number;
  readonly openIndex?: IndexOpener;
  /** True while searches are in flight: writes then pause between batches (see WriteQueue). */
  readonly searchesWaiting?: () => boolean;
}

export const DEFAULT_WRITE_QUEUE_CAPACITY = 8;

/**
 * The served indexes by name (the directory's basename). Names are fixed at construction, so a request can only
 * ever reach one of the configured directories.
 */
export class IndexRegistry {
  private readonly dirs: ReadonlyMap<string, string>;
  private readonly served = new Map<string, ServedIndex>();
  private readonly options: IndexRegistryOptions;
  private opened = false;

  constructor(indexDirs: readonly string[], options: IndexRegistryOptions = {}) {
    this.dirs = options.allowNone && indexDirs.length === 0 ? new Map() : IndexRegistry.namesFor(indexDirs);
    this.options = options;
  }

  /** name -> absolute directory; rejects an empty list, unusable names and two directories with one basename. */
  static namesFor(indexDirs: readonly string[]): Map<string, string> {
    if (indexDirs.length === 0) throw new UsageError('give at least one index directory (--index <dir>[,<dir>...])');
    const byName = new Map<string, string>();
    for (const given of indexDirs) {
      const dir = path.resolve(given);
      const name = path.basename(dir);
      if (!INDEX_NAME_PATTERN.test(name)) {
        throw new UsageError(`${given}: index directory name "${name}" must match ${INDEX_NAME_PATTERN.source} (it is the index's name in URLs)`);
      }
      const other = byName.get(name);
      if (other !== undefined) {
        throw new UsageError(`${given}: index name "${name}" is already used by ${other}; index directories need distinct basenames`);
      }
      byName.set(name, dir);
    }
    return byName;
  }

  get ready(): boolean {
    return this.opened;
  }

  names(): string[] {
    return [...this.dirs.keys()];
  }

  /** Opens every index; if one fails, those already open are closed and the error propagates. */
  async open(): Promise<void> {
    const readOnly = this.options.readOnly ?? false;
    const opener = this.options.openIndex ?? encoderSharingOpener();
    const capacity = this.options.writeQueueCapacity ?? DEFAULT_WRITE_QUEUE_CAPACITY;
    try {
      for (const [name, dir] of this.dirs) {
        const { index, encoder } = await opener(dir, { readOnly });
        this.served.set(name, {
          name,
          dir,
          index,
          encoder,
          retriever: new Retriever(index, encoder),
          explainer: new LateInteractionSearcher(index, { queryWeighting: encoder.queryWeighting }),
          builder: new IndexBuilder(index, encoder, parseReductionSpec(index.manifest.reduction)),
          rowTokens: new StoredRowTokens(index, encoder, parseReductionSpec(index.manifest.reduction)),
          writes: new WriteQueue(name, capacity, this.options.searchesWaiting),
          readOnly,
          modes: searchModesOf(index),
        });
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    this.opened = true;
  }

  get(name: string): ServedIndex {
    const served = this.served.get(name);
    if (!served) throw new NotFoundError(`no index named "${name}" is served here (see GET /v1/indexes)`, 'index_not_found');
    return served;
  }

  list(): ServedIndex[] {
    return [...this.served.values()];
  }

  /** Waits for queued writes, then saves (HNSW graph, manifest) and closes every index and encoder. */
  async close(): Promise<void> {
    this.opened = false;
    const served = [...this.served.values()];
    this.served.clear();
    await Promise.all(served.map((s) => s.writes.drain()));
    const encoders = new Set(served.map((s) => s.encoder));
    const failures: unknown[] = [];
    for (const s of served) await s.index.close().catch((err: unknown) => failures.push(err));
    for (const encoder of encoders) await encoder.close().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw failures[0];
  }
}

/**
 * The default opener: the index plus the encoder recorded in its manifest (identity checked). Indexes built with
 * the same encoder share one instance (the embedded table is large); the registry closes each encoder once.
 */
function encoderSharingOpener(): IndexOpener {
  const encoders = new Map<string, Promise<Encoder>>();
  return async (dir, options) => {
    const index = await LateIndex.open(dir, { readOnly: options.readOnly });
    try {
      const { encoder: identity, encoderSource } = index.manifest;
      const key = JSON.stringify([identity.kind, identity.name, identity.dim, identity.hash, encoderSource ?? null]);
      let encoder = encoders.get(key);
      if (!encoder) {
        encoder = loadEncoderFor(identity, { ...(encoderSource !== undefined && { recordedModelPath: encoderSource }) });
        encoders.set(key, encoder);
        encoder.catch(() => encoders.delete(key));
      }
      return { index, encoder: await encoder };
    } catch (err) {
      await index.close();
      throw err;
    }
  };
}
