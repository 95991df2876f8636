import path from 'node:path';
import type { EncoderOptions } from '../../encode/index.js';
import { EVAL_DEPTH, buildEvalReport, evaluate, loadBeirSplit, writeTrecRun } from '../../eval/index.js';
import { DEFAULT_CANDIDATES_PER_TOKEN, DEFAULT_FUSION, Retriever } from '../../search/index.js';
import { retrieveOptions, type RetrievalFlags } from '../options.js';
import { printJson, say, table } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { openIndexWithEncoder } from './open-index.js';

export interface EvalCommandOptions extends EncoderOptions, RetrievalFlags {
  readonly dataset: string;
  readonly index: string;
  readonly split: string;
  readonly run?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export async function evalCommand(options: EvalCommandOptions): Promise<void> {
  const { queries, qrels } = await loadBeirSplit(path.resolve(options.dataset), options.split);
  const { index, encoder } = await openIndexWithEncoder(options.index, { ...options, readOnly: true });
  try {
    const retriever = new Retriever(index, encoder);
    const searchOptions = retrieveOptions(options, EVAL_DEPTH);
    let progress: ProgressReporter | undefined;
    const result = await evaluate({
      queries,
      qrels,
      depth: EVAL_DEPTH,
      searchFn: async (text) => (await retriever.search(text, searchOptions)).map((h) => ({ id: h.id, score: h.score })),
      onProgress: (done, total) => {
        progress ??= new ProgressReporter('querying', total, 'queries', options.quiet || options.json);
        progress.update(done);
      },
    });
    progress?.stop();
    if (options.run) await writeTrecRun(path.resolve(options.run), result.run, 'lateindex');

    const report = buildEvalReport({
      dataset: path.basename(path.resolve(options.dataset)),
      split: options.split,
      evaluation: result,
      counts: index.counts(),
      config: {
        index: path.resolve(options.index),
        encoder: `${index.manifest.encoder.kind}:${index.manifest.encoder.name}`,
        reduction: index.manifest.reduction,
        quantization: index.manifest.quantization,
        mode: options.mode,
        ...(options.mode !== 'sparse' && { lateScoring: options.exhaustive ? 'exhaustive' : 'candidates' }),
        ...(options.mode !== 'sparse' && !options.exhaustive && { candidatesPerToken: options.candidates ?? DEFAULT_CANDIDATES_PER_TOKEN }),
        ...(options.mode === 'hybrid' && { fusion: { ...DEFAULT_FUSION, ...searchOptions.fusion } }),
        ...(options.mode !== 'late' && { alpha: options.alpha ?? 1, beta: options.beta ?? 1 }),
      },
    });
    if (options.json) {
      printJson(report);
      return;
    }
    say(`${report.dataset} (${report.split}): ${report.queries} queries, ${report.config.mode} search`);
    say(
      table(
        [
          ['measure', 'value'],
          ...Object.entries(report.metrics).map(([name, value]) => [name, value.toFixed(4)]),
          ['vectors/doc', report.storage.vectorsPerDoc.toFixed(1)],
          ['bytes/doc', report.storage.bytesPerDoc.toFixed(0)],
          ['p50 ms', report.latency.p50Ms.toFixed(2)],
          ['p95 ms', report.latency.p95Ms.toFixed(2)],
          ['qps', report.latency.qps.toFixed(1)],
        ],
        [1],
      ),
    );
  } finally {
    await encoder.close();
    await index.close();
  }
}
