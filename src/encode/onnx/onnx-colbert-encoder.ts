import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { EncoderError } from '../../shared/errors.js';
import { multiVector, normalizeRows, type MultiVector } from '../../shared/multivector.js';
import type { DocumentTokenSpans, Encoder, EncoderIdentity } from '../encoder.js';
import { ColbertTokenizer, type ColbertTokens, type TextKind } from './colbert-tokenizer.js';
import { loadColbertModelConfig, type ColbertModelConfig } from './model-config.js';

export interface OnnxColbertLoadOptions {
  /** Load `model_int8.onnx` instead of `model.onnx`. */
  readonly int8?: boolean;
  /** ONNX Runtime intra-op threads; default: ONNX Runtime's choice (all cores). */
  readonly threads?: number;
  /** Texts per forward pass; default 32. */
  readonly batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 32;

if (endianness() !== 'LE') throw new EncoderError('encoder_platform', 'OnnxColbertEncoder assumes a little-endian platform');

/**
 * ColBERT encoder over a local PyLate / next-plaid ONNX export directory. Queries and documents are
 * tokenized as PyLate does (see `ColbertTokenizer`); document rows are the attended, non-skiplist
 * tokens; query rows are all `query_length` positions when expansion is on. Rows are L2-normalised.
 */
export class OnnxColbertEncoder implements Encoder {
  readonly queryWeighting = 'uniform' as const;
  readonly contextFree = false;
  readonly protectedLeadingTokens = 1;

  get documentTokenLimit(): number {
    return this.config.documentLength;
  }

  private constructor(
    readonly identity: EncoderIdentity,
    readonly config: ColbertModelConfig,
    readonly modelFile: string,
    private readonly tokenizer: ColbertTokenizer,
    private readonly session: Ort.InferenceSession,
    /** ONNX Runtime, loaded by `load` (importing it costs every command's start-up, and most never use it). */
    private readonly ort: typeof Ort,
    private readonly feedTokenTypeIds: boolean,
    private readonly outputName: string,
    private readonly batchSize: number,
  ) {}

  static async load(dir: string, options: OnnxColbertLoadOptions = {}): Promise<OnnxColbertEncoder> {
    const root = resolve(dir);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new EncoderError('encoder_file_missing', `${root}: model directory not found`);
    }
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new EncoderError('encoder_option_invalid', `batchSize must be a positive integer, got ${batchSize}`);
    }
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw new EncoderError('encoder_option_invalid', `threads must be a positive integer, got ${options.threads}`);
    }
    const modelFile = join(root, options.int8 ? 'model_int8.onnx' : 'model.onnx');
    if (!existsSync(modelFile)) {
      throw new EncoderError('encoder_file_missing', `${modelFile}: ONNX model not found`);
    }
    const config = loadColbertModelConfig(root);
    const tokenizer = ColbertTokenizer.load(root, config);

    const ort = await import('onnxruntime-node');
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelFile, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        interOpNumThreads: 1,
        ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
      });
    } catch (err) {
      throw new EncoderError('encoder_model_invalid', `${modelFile}: cannot load ONNX model: ${(err as Error).message}`, {
        cause: err,
      });
    }
    for (const input of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(input)) {
        await session.release();
        throw new EncoderError('encoder_model_invalid', `${modelFile}: model has no "${input}" input (inputs: ${session.inputNames.join(', ')})`);
      }
    }
    const outputName = session.outputNames.includes('output') ? 'output' : session.outputNames[0];
    if (outputName === undefined) {
      await session.release();
      throw new EncoderError('encoder_model_invalid', `${modelFile}: model has no output`);
    }
    // The graph's inputs are the truth; `uses_token_type_ids` only says what the exporter saw.
    const feedTokenTypeIds = session.inputNames.includes('token_type_ids');

    const hashFiles = [modelFile, join(root, 'tokenizer.json'), ...config.files];
    const tokenizerConfigFile = join(root, 'tokenizer_config.json');
    if (existsSync(tokenizerConfigFile)) hashFiles.push(tokenizerConfigFile);
    const hash = await hashModelFiles(hashFiles);

    const encoder = new OnnxColbertEncoder(
      { kind: 'onnx', name: config.modelName ?? basename(root), dim: config.embeddingDim ?? 0, hash },
      config,
      modelFile,
      tokenizer,
      session,
      ort,
      feedTokenTypeIds,
      outputName,
      batchSize,
    );
    if (config.embeddingDim === undefined) {
      // No configured dim: learn it from one forward pass, so the identity is complete before use.
      const probe = await encoder.runBatch([tokenizer.encode('', 'document')], 0);
      return encoder.withDim(probe.dim);
    }
    return encoder;
  }

  private withDim(dim: number): OnnxColbertEncoder {
    return new OnnxColbertEncoder(
      { ...this.identity, dim },
      { ...this.config, embeddingDim: dim },
      this.modelFile,
      this.tokenizer,
      this.session,
      this.ort,
      this.feedTokenTypeIds,
      this.outputName,
      this.batchSize,
    );
  }

  /** The tokens the model is fed for `text`, before batch padding (for inspection and tests). */
  tokenize(text: string, kind: TextKind): ColbertTokens {
    return this.tokenizer.encode(text, kind);
  }

  encodeDocuments(texts: readonly string[]): Promise<MultiVector[]> {
    return this.encode(texts, 'document');
  }

  encodeQueries(texts: readonly string[]): Promise<MultiVector[]> {
    return this.encode(texts, 'query');
  }

  documentTokenSpans(text: string): DocumentTokenSpans {
    const t = this.tokenizer.encode(text, 'document');
    const spans = this.tokenizer.spansIn(text, t.ids);
    const keep = this.keptPositions(t, 'document');
    return {
      tokens: keep.map((j) => t.tokens[j]!),
      spans: Int32Array.from(keep.flatMap((j) => [spans[2 * j]!, spans[2 * j + 1]!])),
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async encode(texts: readonly string[], kind: TextKind): Promise<MultiVector[]> {
    const tokenized = texts.map((t) => this.tokenizer.encode(t, kind));
    // Batch texts of similar length together to limit padding; results go back in input order.
    const order = tokenized.map((_, i) => i).sort((a, b) => tokenized[b]!.ids.length - tokenized[a]!.ids.length);
    const results = new Array<MultiVector>(texts.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const indices = order.slice(start, start + this.batchSize);
      const out = await this.runBatch(
        indices.map((i) => tokenized[i]!),
        this.identity.dim,
      );
      for (let b = 0; b < indices.length; b++) {
        results[indices[b]!] = this.selectRows(tokenized[indices[b]!]!, out.data, b, out.seqLen, out.dim, kind);
      }
    }
    return results;
  }

  /** Runs one padded batch; returns the raw [batch, seqLen, dim] output. */
  private async runBatch(
    batch: readonly ColbertTokens[],
    expectedDim: number,
  ): Promise<{ data: Float32Array; seqLen: number; dim: number }> {
    let seqLen = 0;
    for (const t of batch) seqLen = Math.max(seqLen, t.ids.length);
    const size = batch.length * seqLen;
    const ids = new BigInt64Array(size).fill(BigInt(this.tokenizer.padTokenId));
    const mask = new BigInt64Array(size);
    const types = new BigInt64Array(size);
    // Values are small non-negative ints: write the low 32-bit halves (little-endian) instead of boxing BigInts.
    const ids32 = new Int32Array(ids.buffer);
    const mask32 = new Int32Array(mask.buffer);
    const types32 = new Int32Array(types.buffer);
    for (let b = 0; b < batch.length; b++) {
      const t = batch[b]!;
      const off = b * seqLen;
      for (let j = 0; j < t.ids.length; j++) {
        const k = 2 * (off + j);
        ids32[k] = t.ids[j]!;
        ids32[k + 1] = 0;
        mask32[k] = t.attentionMask[j]!;
        types32[k] = t.typeIds[j]!;
      }
    }
    const dims = [batch.length, seqLen];
    const { Tensor } = this.ort;
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new Tensor('int64', ids, dims),
      attention_mask: new Tensor('int64', mask, dims),
    };
    if (this.feedTokenTypeIds) feeds.token_type_ids = new Tensor('int64', types, dims);
    let output: Ort.Tensor | undefined;
    try {
      output = (await this.session.run(feeds))[this.outputName];
    } catch (err) {
      throw new EncoderError('encoder_run_failed', `${this.modelFile}: inference failed: ${(err as Error).message}`, { cause: err });
    }
    const shape = output?.dims;
    if (!output || output.type !== 'float32' || shape?.length !== 3 || shape[0] !== batch.length || shape[1] !== seqLen) {
      throw new EncoderError(
        'encoder_model_invalid',
        `${this.modelFile}: output "${this.outputName}" should be float32 [${batch.length}, ${seqLen}, dim], got ${output?.type} [${shape?.join(', ')}]`,
      );
    }
    const dim = shape[2]!;
    if (expectedDim !== 0 && dim !== expectedDim) {
      throw new EncoderError(
        'encoder_config_invalid',
        `${this.config.files.join(' / ')}: field "embedding_dim": ${expectedDim} does not match the model output dim ${dim}`,
      );
    }
    return { data: output.data as Float32Array, seqLen, dim };
  }

  /** Positions of `t` that become rows: PyLate keeps every query position with expansion (else attended ones), and attended non-skiplist document tokens. */
  private keptPositions(t: ColbertTokens, kind: TextKind): number[] {
    const keep: number[] = [];
    for (let j = 0; j < t.ids.length; j++) {
      if (kind === 'query') {
        if (this.config.doQueryExpansion || t.attentionMask[j] === 1) keep.push(j);
      } else if (t.attentionMask[j] === 1 && !this.tokenizer.skiplistIds.has(t.ids[j]!)) {
        keep.push(j);
      }
    }
    return keep;
  }

  /** Copies the kept rows of sequence `b` out of the batch output and L2-normalises them. */
  private selectRows(t: ColbertTokens, out: Float32Array, b: number, seqLen: number, dim: number, kind: TextKind): MultiVector {
    const keep = this.keptPositions(t, kind);
    const data = new Float32Array(keep.length * dim);
    const tokenIds = new Int32Array(keep.length);
    const tokens: string[] = [];
    const base = b * seqLen * dim;
    for (let r = 0; r < keep.length; r++) {
      const j = keep[r]!;
      data.set(out.subarray(base + j * dim, base + (j + 1) * dim), r * dim);
      tokenIds[r] = t.ids[j]!;
      tokens.push(t.tokens[j]!);
    }
    normalizeRows(data, dim);
    const truncatedFrom = kind === 'document' ? t.truncatedFrom : undefined;
    return multiVector(data, dim, { tokenIds, tokens, ...(truncatedFrom !== undefined && { truncatedFrom }) });
  }
}

/** sha256 over each file's name and bytes, streamed so large models are not held twice in memory. */
async function hashModelFiles(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${basename(file)}\0`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    hash.update('\0');
  }
  return hash.digest('hex');
}
