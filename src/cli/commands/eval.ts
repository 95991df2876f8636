import path from 'node:path';
import { Option, type Command } from 'commander';
import type { EncoderOptions } from '../../encode/index.js';
import { EVAL_DEPTH, buildEvalReport, evaluate, judgmentsOutside, loadBeirSplit, writeTrecRun, type Qrels } from '../../eval/index.js';
import type { LateIndex } from '../../index/index.js';
import { InputError } from '../../shared/index.js';
import { Retriever } from '../../search/index.js';
import { addEncoderOptions, addRequiredOption, addRetrievalOptions, refuseIdleFlags, retrieveOptions, type RetrievalFlags } from '../options.js';
import { print, printJson, table, warn } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { openIndexWithEncoder } from './open-index.js';

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--dataset <dir>', 'BEIR dataset folder (queries.jsonl, qrels/<split>.tsv)'));
  addRequiredOption(command, new Option('--index <dir>', 'index directory built from the dataset corpus'))
    .addOption(new Option('--split <name>', 'qrels split').default('test'))
    .option('--run <file>', 'also write the TREC run to this file')
    .option('--json', 'print the eval object as JSON on stdout')
    .option('--quiet', 'no progress bar');
  addEncoderOptions(addRetrievalOptions(command)).action(evalCommand);
}

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
    checkIndexHoldsJudgedDocuments(index, qrels, path.join(options.dataset, 'qrels', `${options.split}.tsv`));
    const retriever = new Retriever(index, encoder);
    // Every eval query is text, so one mode serves them all.
    const mode = retriever.modeFor({ text: '' }, options.mode);
    refuseIdleFlags(options, mode);
    const searchOptions = { ...retrieveOptions(options, EVAL_DEPTH), mode };
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
        mode,
        ...(mode !== 'sparse' && { lateScoring: options.exhaustive ? 'exhaustive' : 'candidates' }),
        ...(mode !== 'sparse' && !options.exhaustive && { candidatesPerToken: options.candidates }),
        ...(mode !== 'sparse' && !options.exhaustive && searchOptions.plaid && { plaid: searchOptions.plaid }),
        ...(mode !== 'sparse' && !options.exhaustive && searchOptions.rerankDepth !== undefined && { rerankDepth: searchOptions.rerankDepth }),
        ...(mode === 'hybrid' && {
          fusion: { ...retriever.defaults.fusion, ...searchOptions.fusion },
          sparseDepth: retriever.defaults.sparseDepth,
        }),
        ...(mode !== 'late' && { alpha: options.alpha, beta: options.beta }),
      },
    });
    if (options.json) {
      printJson(report);
      return;
    }
    print(`${report.dataset} (${report.split}): ${report.queries} queries, ${report.config.mode} search${options.mode === undefined ? " (the index's default)" : ''}`);
    print(
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

/**
 * An index that holds none of the documents judged relevant can only score 0 (it was built from another corpus):
 * refused. Some missing (an index of part of the corpus) is allowed, with a warning: they count as never retrieved.
 */
function checkIndexHoldsJudgedDocuments(index: LateIndex, qrels: Qrels, qrelsFile: string): void {
  const outside = judgmentsOutside(qrels, { has: (id) => index.getInternalId(id) !== undefined });
  if (outside.relevant > 0 && outside.relevantOutside === outside.relevant) {
    throw new InputError(
      `the index holds none of the ${outside.relevant} documents judged relevant (e.g. ${outside.examples.join(', ')}): ` +
        'was it built from this dataset\'s corpus?',
      { file: qrelsFile },
      undefined,
      'judged_documents_missing',
    );
  }
  if (outside.relevantOutside > 0) {
    warn(
      `${outside.relevantOutside} of ${outside.relevant} relevant judgments in ${qrelsFile} name documents the index does not hold ` +
        `(e.g. ${outside.examples.join(', ')}); they count as never retrieved`,
    );
  }
}
