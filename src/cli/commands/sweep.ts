import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadEncoder, type EncoderOptions } from '../../encode/index.js';
import { rowsByStorage, runSweep } from '../../eval/index.js';
import { CODEC_NAMES, DEFAULT_HNSW_PARAMS } from '../../index/index.js';
import { DEFAULT_CANDIDATES_PER_TOKEN, defaultSearchMode } from '../../search/index.js';
import { addEncoderOptions, addRequiredOption, checkEncoderFlagsForBuild, positiveInt } from '../options.js';
import { note, print, printJson, table } from '../output.js';
import { ProgressReporter } from '../progress.js';

export interface SweepCommandOptions extends EncoderOptions {
  readonly dataset: string;
  /** `--[no-]exact-match-recovery`; undefined: each index's default. */
  readonly exactMatchRecovery?: boolean;
  readonly split: string;
  readonly reduce: string;
  readonly quantize: string;
  /** Undefined: the default mode of the encoder's indexes (`defaultSearchMode`; sweeps build BM25 postings for it). */
  readonly mode?: string;
  readonly out: string;
  readonly resume?: boolean;
  readonly bm25?: number;
  readonly candidates?: number;
  readonly m?: number;
  readonly efConstruction?: number;
  readonly batchSize: number;
  /** commander's negated `--discard-indexes` flag. */
  readonly discardIndexes?: boolean;
  readonly keepEncoded?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export async function sweepCommand(options: SweepCommandOptions): Promise<void> {
  checkEncoderFlagsForBuild(options);
  const quiet = options.quiet === true || options.json === true;
  const encoder = await loadEncoder({ onStatus: note, ...options });
  let report;
  try {
    report = await runSweep({
      dataset: options.dataset,
      split: options.split,
      out: options.out,
      reduce: options.reduce,
      quantize: options.quantize,
      mode: options.mode ?? defaultSearchMode({ manifest: { encoder: encoder.identity, sparse: { mode: 'bm25' } } }),
      resume: options.resume === true,
      encoder,
      ...(options.model && { encoderSource: path.resolve(options.model) }),
      batchSize: options.batchSize,
      keepIndexes: options.discardIndexes !== true,
      keepEncoded: options.keepEncoded === true,
      ...(options.bm25 !== undefined && { bm25: options.bm25 }),
      ...(options.candidates !== undefined && { candidatesPerToken: options.candidates }),
      ...(options.exactMatchRecovery !== undefined && { exactMatchRecovery: options.exactMatchRecovery }),
      ...((options.m !== undefined || options.efConstruction !== undefined) && {
        hnsw: {
          ...(options.m !== undefined && { m: options.m }),
          ...(options.efConstruction !== undefined && { efConstruction: options.efConstruction }),
        },
      }),
      progress: (label, total, unit) => new ProgressReporter(label.padEnd(24), total, unit, quiet),
      log: note,
    });
  } finally {
    await encoder.close();
  }
  if (options.json) {
    printJson(report);
    return;
  }
  const fmt = (v: number | null, digits: number): string => (v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
  print(
    table(
      [
        ['configuration', 'bytes/doc', 'storage %', 'nDCG@10', 'retained %', 'idx recall@10', 'p50 ms'],
        ...rowsByStorage(report.rows).map((row) => [
          row.config.name,
          fmt(row.storage.bytesPerDoc, 0),
          fmt(row.retention.storagePct, 1),
          fmt(row.metrics['nDCG@10'] ?? Number.NaN, 4),
          fmt(row.retention.ndcg10Pct, 1),
          fmt(row.indexRecall.value, 3),
          fmt(row.latency.p50Ms, 2),
        ]),
      ],
      [1, 2, 3, 4, 5, 6],
    ),
  );
  print(`wrote report.json, report.md, ndcg-vs-storage.{svg,png}, latency-vs-storage.{svg,png} and runs to ${path.resolve(options.out)}`);
}

function unitScore(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected an nDCG@10 between 0 and 1, got "${value}"`);
  return n;
}

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--dataset <dir>', 'BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)'))
    .addOption(new Option('--split <name>', 'qrels split').default('test'));
  addRequiredOption(command, new Option('--reduce <specs>', 'reduction specs separated by ";", e.g. "none;ward:2;ward:4;skiplist,kmeans:32"'))
    .addOption(new Option('--quantize <codecs>', `vector codecs separated by ";" (${CODEC_NAMES.join(', ')})`).default('float16'))
    .addOption(
      new Option(
        '--mode <modes>',
        "search modes separated by \",\": late, sparse (BM25 postings only), hybrid (fused); the first is the baseline's (default: the encoder's default mode, hybrid for the embedded encoder, late for --model)",
      ),
    );
  addRequiredOption(command, new Option('--out <dir>', 'output folder: report.json, report.md, charts, runs, indexes/'))
    .option('--resume', 'continue a sweep in --out, skipping configurations whose results are complete')
    .option('--bm25 <score>', 'BM25 nDCG@10 to draw as the reference line', unitScore)
    // Shown, not set, defaults: a report records an unset value as "default", which --resume compares.
    .option('--candidates <n>', `HNSW neighbours per query token (k') (default: ${DEFAULT_CANDIDATES_PER_TOKEN}, as search)`, positiveInt)
    .option('--m <n>', `HNSW graph degree for every index (default: ${DEFAULT_HNSW_PARAMS.m})`, positiveInt)
    .option(
      '--ef-construction <n>',
      `HNSW build beam width for every index; lower builds faster, may lower index recall (default: ${DEFAULT_HNSW_PARAMS.efConstruction})`,
      positiveInt,
    )
    .addOption(new Option('--batch-size <n>', 'documents per encode/write batch').argParser(positiveInt).default(64))
    .option('--exact-match-recovery', 'every index keeps exact-match recovery lists (default: the embedded encoder\'s pooled indexes do)')
    .option('--no-exact-match-recovery', 'no index keeps exact-match recovery lists')
    .option('--discard-indexes', 'delete each configuration\'s index once it is measured (saves disk)')
    .option('--keep-encoded', 'keep the encoded corpus under --out/encoded after the sweep');
  addEncoderOptions(command)
    .option('--json', 'print report.json on stdout')
    .option('--quiet', 'no progress bars')
    .action(sweepCommand);
}
