import path from 'node:path';
import type { EncoderOptions } from '../../encode/index.js';
import { evaluate, loadBeirSplit, writeTrecRun } from '../../eval/index.js';
import { Retriever } from '../../search/index.js';
import { printJson, say, table } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { openIndexWithEncoder } from './open-index.js';

export interface EvalCommandOptions extends EncoderOptions {
  readonly dataset: string;
  readonly index: string;
  readonly split: string;
  readonly exhaustive?: boolean;
  readonly candidates?: number;
  readonly run?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** Result depth per query: R@100 needs the top 100. */
const EVAL_DEPTH = 100;

export async function evalCommand(options: EvalCommandOptions): Promise<void> {
  const { queries, qrels } = await loadBeirSplit(path.resolve(options.dataset), options.split);
  const { index, encoder } = await openIndexWithEncoder(options.index, { ...options, readOnly: true });
  try {
    const retriever = new Retriever(index, encoder);
    const searchOptions = {
      k: EVAL_DEPTH,
      exhaustive: options.exhaustive === true,
      ...(options.candidates !== undefined && { candidatesPerToken: options.candidates }),
    };
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

    const counts = index.counts();
    const report = {
      dataset: path.basename(path.resolve(options.dataset)),
      split: options.split,
      queries: result.queries,
      metrics: result.metrics,
      storage: {
        documents: counts.documents,
        vectors: counts.vectors,
        vectorsPerDoc: counts.documents ? counts.vectors / counts.documents : 0,
        bytes: counts.vectorBytes,
        bytesPerDoc: counts.documents ? counts.vectorBytes / counts.documents : 0,
      },
      latency: result.latency,
      config: {
        index: path.resolve(options.index),
        encoder: `${index.manifest.encoder.kind}:${index.manifest.encoder.name}`,
        reduction: index.manifest.reduction,
        quantization: index.manifest.quantization,
        mode: options.exhaustive ? 'exhaustive' : 'candidates',
        ...(!options.exhaustive && { candidatesPerToken: searchOptions.candidatesPerToken ?? 'default' }),
      },
    };
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
