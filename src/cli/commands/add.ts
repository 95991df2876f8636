import { Option, type Command } from 'commander';
import type { EncoderOptions } from '../../encode/index.js';
import {
  IndexBuilder,
  RESIDUAL_SAMPLE_VECTORS,
  driftBetween,
  driftReport,
  readCorpus,
  type CodecDriftReport,
  type CodecDriftSums,
  type LateIndex,
} from '../../index/index.js';
import { parseReductionSpec } from '../../pool/index.js';
import { InputError } from '../../shared/index.js';
import { describeDrift } from '../describe-drift.js';
import { addEncoderOptions, addRequiredOption, positiveInt } from '../options.js';
import { formatBytes, print, printJson } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { VectorlessDocuments } from '../vectorless.js';
import { TruncatedDocuments } from '../truncated-documents.js';
import { batches } from './batches.js';
import { openIndexWithEncoder } from './open-index.js';

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--index <dir>', 'index directory'));
  addRequiredOption(command, new Option('--corpus <path>', 'corpus: a .jsonl file or a folder of .txt/.md files'))
    .addOption(new Option('--batch-size <n>', 'documents per encode/write batch').argParser(positiveInt).default(64))
    .option('--json', 'print the summary as JSON on stdout')
    .option('--quiet', 'no progress bar');
  addEncoderOptions(command).action(addCommand);
}

export interface AddCommandOptions extends EncoderOptions {
  readonly index: string;
  readonly corpus: string;
  readonly batchSize: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** Upserts a corpus into an index. The whole input is validated before the first write. */
export async function addCommand(options: AddCommandOptions): Promise<void> {
  const started = performance.now();
  const { index, encoder } = await openIndexWithEncoder(options.index, { ...options, readOnly: false });
  try {
    const total = await validateForIndex(options.corpus, index);
    // An index created empty with a residual codec trains on the first vectors this corpus brings.
    const builder = new IndexBuilder(index, encoder, parseReductionSpec(index.manifest.reduction), { codecSampleVectors: RESIDUAL_SAMPLE_VECTORS });
    const driftBefore = index.codec.driftSums();
    const progress = new ProgressReporter('adding', total, 'docs', options.quiet || options.json);
    let inserted = 0;
    let updated = 0;
    const vectorless = new VectorlessDocuments();
    const truncated = new TruncatedDocuments(encoder.documentTokenLimit);
    try {
      for await (const batch of batches(readCorpus(options.corpus), options.batchSize)) {
        const result = await builder.addBatch(batch);
        vectorless.record(batch, result);
        truncated.record(batch, result);
        inserted += result.inserted;
        updated += result.updated;
        progress.update(inserted + updated);
      }
      const last = await builder.finish();
      inserted += last.inserted;
      updated += last.updated;
    } finally {
      progress.stop();
    }
    const counts = index.counts();
    const drift = addedDrift(index, driftBefore);
    const summary = {
      inserted,
      updated,
      documents: counts.documents,
      vectors: counts.vectors,
      bytes: counts.vectorBytes,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      ...(drift && { codecDrift: drift }),
      ...vectorless.summary(),
      ...truncated.summary(),
    };
    vectorless.warn();
    truncated.warn();
    if (options.json) printJson(summary);
    else {
      print(
        `added ${inserted} and updated ${updated} documents in ${summary.seconds}s; the index now holds ` +
          `${counts.documents} documents, ${counts.vectors} vectors, ${formatBytes(counts.vectorBytes)}`,
      );
      if (drift) print(describeDrift(index.quantization, drift));
    }
  } finally {
    await encoder.close();
    await index.close();
  }
}

/** Reads the whole corpus once, checking every record can go into this index; returns the record count. */
async function validateForIndex(source: string, index: LateIndex): Promise<number> {
  const precomputedOnly = index.manifest.encoder.kind === 'precomputed';
  let count = 0;
  for await (const record of readCorpus(source)) {
    count++;
    if (record.embeddings) {
      const dim = record.embeddings.length / record.embeddingCount!;
      if (dim !== index.dim) {
        throw new InputError(`document "${record.id}": embeddings have ${dim} dimensions, the index has ${index.dim}`, record.source, 'embeddings');
      }
    } else if (precomputedOnly) {
      throw new InputError(`document "${record.id}": this index stores precomputed embeddings, the record has none`, record.source, 'embeddings');
    }
  }
  return count;
}

/** Reconstruction error of the vectors this run stored, against the codec's training figure (trained codecs only). */
function addedDrift(index: LateIndex, before: CodecDriftSums): CodecDriftReport | undefined {
  const total = index.codec.drift();
  if (!total) return undefined;
  return driftReport(total.training, driftBetween(before, index.codec.driftSums()));
}
