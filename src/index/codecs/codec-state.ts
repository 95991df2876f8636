import type { Database, RootDatabase } from 'lmdb';
import { driftReport, emptyDriftSums, type CodecDriftReport, type CodecDriftSums } from './codec-drift.js';
import { createCodec, type CodecName } from './registry.js';
import { isTrainableCodec, type CodecTrainingReport, type VectorCodec } from './vector-codec.js';

/**
 * An index's vector codec together with what it persists in the `codec` database of the index's environment:
 * the trained state (`state`, bytes; the residual codebook) and the drift sums of the vectors stored since
 * training (`drift`). Stateless codecs keep nothing there.
 */
export class CodecState {
  readonly codec: VectorCodec;
  /** Undefined in a read-only environment that lacks the database (indexes older than codecs). */
  private readonly db: Database<Uint8Array | CodecDriftSums, string> | undefined;

  constructor(
    private readonly env: RootDatabase,
    quantization: CodecName,
  ) {
    // lmdb-js returns no handle for a named database a read-only environment lacks.
    this.db = (env.openDB<Uint8Array | CodecDriftSums, string>({ name: 'codec' }) as Database<Uint8Array | CodecDriftSums, string> | undefined) ?? undefined;
    this.codec = createCodec(quantization, this.storedState());
  }

  /** True while a trainable codec still needs a training sample before vectors can be stored. */
  get needsTraining(): boolean {
    return isTrainableCodec(this.codec) && !this.codec.trained;
  }

  /**
   * Trains on `sample` (rows of `dim` floats) and stores the state with fresh drift sums in one transaction.
   * The caller checks that the codec is trainable and that no vectors are stored yet.
   */
  train(sample: Float32Array, dim: number): CodecTrainingReport {
    const codec = this.codec;
    if (!isTrainableCodec(codec)) throw new TypeError(`the ${codec.name} codec has nothing to train`);
    const report = codec.train(sample, dim);
    const state = codec.state();
    this.env.transactionSync(() => {
      this.db!.putSync('state', state);
      this.db!.putSync('drift', emptyDriftSums());
    });
    return report;
  }

  /** Picks up a state another process trained after this object was created. */
  restore(): void {
    if (!isTrainableCodec(this.codec) || this.codec.trained) return;
    const stored = this.storedState();
    if (stored) this.codec.restore(stored);
  }

  /** Training figures and reconstruction error of the vectors stored since, for a trained codec; else undefined. */
  drift(): CodecDriftReport | undefined {
    const training = isTrainableCodec(this.codec) ? this.codec.training() : undefined;
    return training ? driftReport(training, this.driftSums()) : undefined;
  }

  /** The running drift sums (zeros for untrained or stateless codecs). */
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

  /** Bytes of the persisted state, 0 for stateless codecs. */
  stateBytes(): number {
    return this.storedState()?.length ?? 0;
  }

  private storedState(): Uint8Array | undefined {
    const stored = this.db?.get('state');
    return stored instanceof Uint8Array ? stored : undefined;
  }
}
