import path from 'node:path';
import { Option, type Command } from 'commander';
import { LateIndex, describeTokenVectors, indexDiskBytes, reductionStepCounts, tokenVectorStats } from '../../index/index.js';
import { searchDefaults, type SearchDefaults } from '../../search/index.js';
import { addRequiredOption } from '../options.js';
import { describeDrift } from '../describe-drift.js';
import { describeExactTokenLists, formatBytes, print, printJson, table } from '../output.js';

export function configure(command: Command): void {
  addRequiredOption(command, new Option('--index <dir>', 'index directory'))
    .option('--json', 'print statistics as JSON on stdout')
    .action(statsCommand);
}

export interface StatsCommandOptions {
  readonly index: string;
  readonly json?: boolean;
}

export async function statsCommand(options: StatsCommandOptions): Promise<void> {
  const dir = path.resolve(options.index);
  const index = await LateIndex.open(dir, { readOnly: true });
  try {
    const counts = index.counts();
    const manifest = index.manifest;
    const reductionSteps = reductionStepCounts(manifest.reduction, index.stepCounts());
    const drift = index.codec.drift();
    const defaults = searchDefaults(index);
    const stats = {
      index: dir,
      formatVersion: manifest.formatVersion,
      encoder: manifest.encoder,
      reduction: manifest.reduction,
      quantization: manifest.quantization,
      sparse: manifest.sparse ?? null,
      search: { defaultMode: defaults.mode, fusion: defaults.fusion, sparseDepth: defaults.sparseDepth, fusionChosen: defaults.fusionChosen },
      exactMatchRecovery: manifest.exactMatchRecovery === true,
      ...(counts.exactTokenBytes !== undefined && { exactTokenBytes: counts.exactTokenBytes }),
      documents: counts.documents,
      vectors: counts.vectors,
      vectorsPerDoc: counts.documents ? counts.vectors / counts.documents : 0,
      ...tokenVectorStats(index.inspect().tokenVectors),
      bytesPerVector: counts.vectors ? counts.vectorBytes / counts.vectors : 0,
      bytes: counts.vectorBytes,
      bytesPerDoc: counts.documents ? counts.vectorBytes / counts.documents : 0,
      diskBytes: await indexDiskBytes(dir),
      reductionSteps,
      codecStateBytes: index.codec.stateBytes(),
      ...(drift && { codecDrift: drift }),
      createdAt: manifest.createdAt,
      updatedAt: manifest.updatedAt,
    };
    if (options.json) {
      printJson(stats);
      return;
    }
    print(
      table([
        ['index', dir],
        ['encoder', `${manifest.encoder.kind}:${manifest.encoder.name} (dim ${manifest.encoder.dim})`],
        ['reduction', manifest.reduction],
        ['quantization', manifest.quantization],
        ['sparse', manifest.sparse && manifest.sparse.mode !== 'none' ? `${manifest.sparse.mode}, blocks of ${manifest.sparse.blockSize} documents` : 'none'],
        ['default search mode', defaults.mode === 'hybrid' ? `hybrid (${describeFusion(defaults)})` : defaults.mode],
        ['documents', String(stats.documents)],
        ['vectors', `${stats.vectors} (${stats.vectorsPerDoc.toFixed(1)} per document, ${describeTokenVectors(stats)})`],
        ['vector bytes', `${formatBytes(stats.bytes)} (${stats.bytesPerDoc.toFixed(0)} B per document, ${stats.bytesPerVector.toFixed(1)} B per vector)`],
        ['disk', `${formatBytes(stats.diskBytes)} (${stats.vectors ? (stats.diskBytes / stats.vectors).toFixed(1) : '0'} B per vector, all in)`],
        [
          'exact-match recovery',
          counts.exactTokenBytes === undefined
            ? 'off'
            : `on, ${describeExactTokenLists(counts.exactTokenBytes, counts.documents)}`,
        ],
        ['on disk', formatBytes(stats.diskBytes)],
        ...(drift
          ? [
              [
                'codebook',
                `${drift.training.centroids} centroids, ${formatBytes(stats.codecStateBytes)}, trained on ${drift.training.trainVectors} vectors ` +
                  `(held-out cosine ${drift.training.meanCosine.toFixed(4)})`,
              ],
            ]
          : []),
        ['updated', manifest.updatedAt],
      ]),
    );
    if (drift) print(describeDrift(manifest.quantization, drift));
    if (reductionSteps.length > 1) {
      print('');
      print(table([['step', 'vectors'], ...stats.reductionSteps.map((s) => [s.step, String(s.vectors ?? '-')])], [1]));
    }
  } finally {
    await index.close();
  }
}

function describeFusion(defaults: SearchDefaults): string {
  const { method, lateWeight } = defaults.fusion;
  return `${method} fusion, late weight ${lateWeight}, sparse depth ${defaults.sparseDepth}`;
}
