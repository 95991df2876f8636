import type { Database, RootDatabase } from 'lmdb';
import { LateIndexError } from '../../shared/index.js';
import { driftReport, emptyDriftSums, type CodecDriftReport, type CodecDriftSums } from './codec-drift.js';
import { createCodec, type CodecName } from './registry.js';
import { leadingRows, RESIDUAL_SAMPLE_VECTORS } from './residual-training.js';
import { isTrainableCodec, type CodecTrainingReport, type TrainingPlan, type VectorCodec } from './vector-codec.js';

/** What an index's users see of its codec: whether it still needs training, training, drift, persisted bytes. */
export interface IndexCodec {
  /** True while the codec (residual codes) still needs a training sample before vectors can be stored. */
  readonly needsTraining: boolean;
  /**
   * Trains the codec on `sample` (rows of the index's dim, e.g. the first reduced vectors of the corpus) and
   * stores its state in LMDB in one transaction. Only for a trainable codec of an index that stores no vectors
   * yet: stored codes are lossy and cannot be re-encoded (rebuild the index with `lateindex index --overwrite`).
   */
  train(sample: Float32Array, plan?: TrainingPlan): CodecTrainingReport;
  /** Training figures and reconstruction error of the vectors stored since, for a trained codec; else undefined. */
  drift(): CodecDriftReport | undefined;
  /** The running drift sums (zeros for untrained or stateless codecs); diff two snapshots for one batch's figure. */
  driftSums(): CodecDriftSums;
  /** Bytes of the codec's persisted state (the residual codebook), 0 for stateless codecs. */
  stateBytes(): number;
}

/** The index a codec state belongs to, as far as training needs to know. */
export interface CodecOwner {
  /** For messages. */
  readonly dir: string;
  readonly dim: number;
  /** Throws unless the index may be written. */
  assertWritable(): void;
  /** Vectors the index stores, as LMDB holds them now. */
  storedVectors(): number;
  /** Starts a fresh read snapshot (to see another process's commits). */
  freshSnapshot(): void;
}

/**
 * An index's vector codec together with what it persists in the `codec` database of the index's environment:
 * the trained state (`state`, bytes; the residual codebook) and the drift sums of the vectors stored since
 * training (`drift`). Stateless codecs keep nothing there.
 */
export class CodecState implements IndexCodec {
  readonly codec: VectorCodec;
  /** Undefined in a read-only environment that lacks the database (indexes older than codecs). */
  private readonly db: Database<Uint8Array | CodecDriftSums, string> | undefined;

  constructor(
    private readonly env: RootDatabase,
    quantization: CodecName,
    private readonly owner: CodecOwner,
  ) {
    // lmdb-js returns no handle for a named database a read-only environment lacks.
    this.db = (env.openDB<Uint8Array | CodecDriftSums, string>({ name: 'codec' }) as Database<Uint8Array | CodecDriftSums, string> | undefined) ?? undefined;
    this.codec = createCodec(quantization, this.storedState());
  }

  get needsTraining(): boolean {
    return isTrainableCodec(this.codec) && !this.codec.trained;
  }

  train(sample: Float32Array, plan?: TrainingPlan): CodecTrainingReport {
    this.owner.assertWritable();
    const codec = this.codec;
    if (!isTrainableCodec(codec)) throw new LateIndexError('codec_not_trainable', `${this.owner.dir}: the ${codec.name} codec has nothing to train`);
    if (this.owner.storedVectors() > 0) {
      throw new LateIndexError('codec_in_use', `${this.owner.dir}: the index already stores vectors; rebuild it with "lateindex index --overwrite" to retrain its codec`);
    }
    const report = codec.train(sample, this.owner.dim, plan);
    const state = codec.state();
    this.env.transactionSync(() => {
      this.db!.putSync('state', state);
      this.db!.putSync('drift', emptyDriftSums());
    });
    return report;
  }

  /**
   * Before the first write of a trainable codec: takes the state another process stored, or trains on `batch`'s
   * leading vectors (callers that want a larger sample train first, as the ingest pipeline does).
   */
  ensureTrained(batch: Iterable<{ readonly data: Float32Array }>): void {
    if (!this.needsTraining) return;
    this.owner.freshSnapshot();
    this.restore();
    if (!this.needsTraining) return;
    const sample = leadingRows(batch, RESIDUAL_SAMPLE_VECTORS, this.owner.dim);
    if (sample.length > 0) this.train(sample);
  }

  /** Picks up a state another process trained after this object was created. */
  restore(): void {
    if (!isTrainableCodec(this.codec) || this.codec.trained) return;
    const stored = this.storedState();
    if (stored) this.codec.restore(stored);
  }

  drift(): CodecDriftReport | undefined {
    const training = isTrainableCodec(this.codec) ? this.codec.training() : undefined;
    return training ? driftReport(training, this.driftSums()) : undefined;
  }

  driftSums(): CodecDriftSums {
    const stored = this.db?.get('drift');
    return stored && !(stored instanceof Uint8Array) ? { ...stored } : emptyDriftSums();
  }

  /** Inside the caller's write transaction: adds a batch's reconstruction error to the persisted sums. */
  recordDrift(batch: CodecDriftSums): void {
    const sums = this.driftSums();
    sums.vectors += batch.vectors;
    sums.squaredError += batch.squaredError;
    sums.cosine += batch.cosine;
    this.db!.putSync('drift', sums);
  }

  stateBytes(): number {
    return this.storedState()?.length ?? 0;
  }

  private storedState(): Uint8Array | undefined {
    const stored = this.db?.get('state');
    return stored instanceof Uint8Array ? stored : undefined;
  }
}
