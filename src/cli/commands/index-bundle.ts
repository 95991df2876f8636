import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EmbeddingBundle } from '../../encode/precomputed/embedding-bundle.js';
import { LateIndex, buildFromBundle, indexDiskBytes, isPlaidCodec, parseCodecName } from '../../index/index.js';
import { UsageError } from '../../shared/index.js';
import { formatBytes, print, printJson } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { checkTarget, swapIntoPlace, type IndexCommandOptions } from './index.js';

/**
 * `lateindex index --embeddings <bundle>`: a PLAID index from precomputed embeddings. The bundle is checked whole
 * (shapes, dtypes, lengths, ids, every value) before anything is written; the build runs in a staging directory
 * swapped in only when complete, as for corpora.
 */
export async function indexBundleCommand(options: IndexCommandOptions & { readonly embeddings: string }): Promise<void> {
  const quantization = parseCodecName(options.quantize ?? 'plaid:4');
  if (!isPlaidCodec(quantization)) {
    throw new UsageError(`--embeddings builds a PLAID index: --quantize must be plaid:1, plaid:2 or plaid:4, got ${quantization}`, 'invalid_quantization');
  }
  const target = path.resolve(options.index);
  await checkTarget(target, options.overwrite === true);
  const started = performance.now();
  const bundle = EmbeddingBundle.open(path.resolve(options.embeddings));
  bundle.checkValues();

  const staging = `${target}.building-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  const progress = new ProgressReporter('indexing', bundle.documents, 'docs', options.quiet || options.json);
  let build: Awaited<ReturnType<typeof buildFromBundle>>;
  try {
    build = await buildFromBundle({
      dir: staging,
      bundle,
      quantization,
      ...(options.threads !== undefined && { threads: options.threads }),
      onProgress: (done) => progress.update(done),
    });
    await build.index.close();
    await LateIndex.compactStore(staging);
    progress.stop();
    await swapIntoPlace(staging, target);
  } catch (err) {
    progress.stop();
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  const built = await LateIndex.open(target, { readOnly: true });
  const counts = built.counts();
  await built.close();
  const seconds = (performance.now() - started) / 1000;
  const training = build.codecTraining;
  const diskBytes = await indexDiskBytes(target);
  const summary = {
    index: target,
    diskBytes,
    diskBytesPerVector: counts.vectors ? diskBytes / counts.vectors : 0,
    documents: counts.documents,
    vectors: counts.vectors,
    bytes: counts.vectorBytes,
    bytesPerVector: counts.vectors ? counts.vectorBytes / counts.vectors : 0,
    seconds: Number(seconds.toFixed(2)),
    docsPerSecond: Number((counts.documents / seconds).toFixed(1)),
    phases: build.seconds,
    quantization,
    codecTraining: training,
  };
  if (options.json) {
    printJson(summary);
    return;
  }
  print(
    `indexed ${summary.documents} documents, ${summary.vectors} vectors, ${formatBytes(summary.bytes)} of codes ` +
      `(${summary.bytesPerVector.toFixed(1)} B/vector; ${formatBytes(diskBytes)} on disk, ${summary.diskBytesPerVector.toFixed(1)} B/vector all in) in ${summary.seconds}s (${summary.docsPerSecond} docs/s) -> ${target}`,
  );
  print(
    `${quantization}: ${training.centroids} centroids trained on ${training.trainVectors} vectors in ${build.seconds.training.toFixed(1)}s; ` +
      `held-out reconstruction cosine ${training.meanCosine.toFixed(4)}, squared error ${training.meanSquaredError.toFixed(4)} (${training.heldOutVectors} vectors)`,
  );
}
