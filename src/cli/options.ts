import { InvalidArgumentError, Option, type Command } from 'commander';
import type { EncoderOptions } from '../encode/index.js';
import { isBlockSize, MAX_BLOCK_SIZE } from '../index/index.js';
import { DEFAULT_CANDIDATES_PER_TOKEN, FUSION_METHODS, SEARCH_MODES, type FusionMethod, type SearchMode } from '../search/index.js';
import { UsageError } from '../shared/index.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Documents per sparse block (the index's rule, `isBlockSize`). */
export function sparseBlockSize(value: string): number {
  const n = Number(value);
  if (!isBlockSize(n)) throw new InvalidArgumentError(`expected an integer in 1..${MAX_BLOCK_SIZE}, got "${value}"`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

export function unitInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a number in [0, 1], got "${value}"`);
  return n;
}

/** (0, 1]: Block-Max Pruning's alpha and beta, where 0 would prune everything. */
export function positiveUnitInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError(`expected a number in (0, 1], got "${value}"`);
  return n;
}

/**
 * A required option, checked after commander has rejected unknown options (commander's own `requiredOption` is
 * checked first, so a misspelt `--querry` would be reported as a missing `--query`).
 */
export function addRequiredOption(command: Command, option: Option): Command {
  option.description = `${option.description} (required)`;
  command.addOption(option);
  return command.hook('preAction', (self) => {
    if (self.getOptionValue(option.attributeName()) === undefined) {
      self.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue', exitCode: 2 });
    }
  });
}

/** True when the user gave the flag (not a default). */
export function given(command: Command, attribute: string): boolean {
  const source = command.getOptionValueSource(attribute);
  return source !== undefined && source !== 'default' && source !== 'implied';
}

/** `--model`, `--int8`, `--threads`. */
export function addEncoderOptions(command: Command): Command {
  return command
    .option('--model <dir>', 'local ONNX ColBERT model directory (default: the embedded static encoder)')
    .option('--int8', 'use model_int8.onnx from the model directory (ONNX models only)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (ONNX models only; with index --embeddings: encoding worker threads, default the cores)', positiveInt);
}

/** For commands that build with the encoder they are given: `--int8` and `--threads` tune an ONNX model. */
export function checkEncoderFlagsForBuild(options: EncoderOptions): void {
  if (!options.model && (options.int8 || options.threads !== undefined)) {
    throw new UsageError(`${options.int8 ? '--int8' : '--threads'} applies to an ONNX model: give --model <dir> (the embedded encoder has no such setting)`);
  }
}

/** The retrieval flags shared by `search` and `eval`. */
export interface RetrievalFlags {
  /** Undefined: the index's default mode (`resolveSearchMode`). */
  readonly mode?: SearchMode;
  readonly exhaustive?: boolean;
  readonly candidates: number;
  /** PLAID indexes: cells explored, lists opened per query vector, centroid-interaction candidates, exact reranks. */
  readonly cells?: number;
  readonly nprobe?: number;
  readonly centroidCandidates?: number;
  readonly rerank?: number;
  /** Undefined: the index's (`searchDefaults`: fusion settings are per encoder kind). */
  readonly fusion?: FusionMethod;
  readonly lateWeight?: number;
  readonly alpha: number;
  readonly beta: number;
  /** The mode-specific flags given on the command line (recorded by `addRetrievalOptions`), for `refuseIdleFlags`. */
  readonly modeFlagsGiven?: readonly ModeFlag[];
}

/** A flag that acts in some search modes only: giving it in another is a usage error, not silently ignored. */
export interface ModeFlag {
  readonly attribute: string;
  readonly flag: string;
  readonly modes: readonly SearchMode[];
}

const RETRIEVAL_FLAG_MODES: readonly ModeFlag[] = [
  { attribute: 'exhaustive', flag: '--exhaustive', modes: ['late', 'hybrid'] },
  { attribute: 'candidates', flag: '--candidates', modes: ['late', 'hybrid'] },
  { attribute: 'cells', flag: '--cells', modes: ['late', 'hybrid'] },
  { attribute: 'nprobe', flag: '--nprobe', modes: ['late', 'hybrid'] },
  { attribute: 'centroidCandidates', flag: '--centroid-candidates', modes: ['late', 'hybrid'] },
  { attribute: 'rerank', flag: '--rerank', modes: ['late', 'hybrid'] },
  { attribute: 'fusion', flag: '--fusion', modes: ['hybrid'] },
  { attribute: 'lateWeight', flag: '--late-weight', modes: ['hybrid'] },
  { attribute: 'alpha', flag: '--alpha', modes: ['sparse', 'hybrid'] },
  { attribute: 'beta', flag: '--beta', modes: ['sparse', 'hybrid'] },
];

/**
 * `--mode` and the flags that tune each mode, with their defaults shown in help; `modeFlags` are the command's own
 * flags that act in some modes only. Without `--mode` the mode is the index's, known once it is open: the command
 * then calls `refuseIdleFlags` with it.
 */
export function addRetrievalOptions(command: Command, modeFlags: readonly ModeFlag[] = []): Command {
  return command
    .addOption(
      new Option(
        '--mode <mode>',
        "late (HNSW + MaxSim), sparse (Block-Max Pruning) or hybrid (both, fused); default: the index's (hybrid for the embedded encoder with BM25 postings, else late; shown by stats)",
      ).choices(SEARCH_MODES),
    )
    .addOption(new Option('--exhaustive', 'late scoring by exact MaxSim over every document (reference; slow)'))
    .addOption(
      new Option('--candidates <n>', "candidate documents gathered per query token from HNSW (k')")
        .argParser(positiveInt)
        .default(DEFAULT_CANDIDATES_PER_TOKEN)
        .conflicts('exhaustive'),
    )
    .addOption(new Option('--nprobe <n>', 'PLAID indexes: inverted lists opened per query vector (default 4)').argParser(positiveInt).conflicts('exhaustive'))
    .addOption(new Option('--cells <n>', 'PLAID indexes: codebook cells explored per query vector (default 16)').argParser(positiveInt).conflicts('exhaustive'))
    .addOption(new Option('--centroid-candidates <n>', 'PLAID indexes: documents ranked by centroid interaction (default 1024)').argParser(positiveInt).conflicts('exhaustive'))
    .addOption(new Option('--rerank <n>', 'documents scored by exact MaxSim (PLAID default 128; HNSW: every candidate)').argParser(positiveInt).conflicts('exhaustive'))
    .addOption(
      new Option('--fusion <method>', "hybrid fusion of the two normalised scores, or of their ranks (rrf); default: the index's (zscore)").choices(
        FUSION_METHODS,
      ),
    )
    .addOption(
      new Option(
        '--late-weight <w>',
        "hybrid fusion weight of the late score, in [0, 1] (not with rrf); default: the index's (0.25 for the embedded encoder, 0.5 for other encoders)",
      ).argParser(unitInterval),
    )
    .addOption(new Option('--alpha <a>', 'Block-Max Pruning aggressiveness in (0, 1]; 1 = safe').argParser(positiveUnitInterval).default(1))
    .addOption(new Option('--beta <b>', 'Block-Max Pruning share of query terms kept, in (0, 1]').argParser(positiveUnitInterval).default(1))
    .hook('preAction', (self) => checkRetrievalFlags(self, [...RETRIEVAL_FLAG_MODES, ...modeFlags]));
}

function checkRetrievalFlags(command: Command, modeFlags: readonly ModeFlag[]): void {
  command.setOptionValue(
    'modeFlagsGiven',
    modeFlags.filter(({ attribute }) => given(command, attribute)),
  );
  const flags = command.opts<RetrievalFlags>();
  if (flags.mode !== undefined) refuseIdleFlags(flags, flags.mode);
  if (flags.fusion === 'rrf' && given(command, 'lateWeight')) {
    throw new UsageError('--late-weight does nothing with --fusion rrf: reciprocal rank fusion weighs both rankings alike');
  }
}

/** A flag given for a mode the search does not run in is a usage error, not silently ignored. */
export function refuseIdleFlags(flags: RetrievalFlags, mode: SearchMode): void {
  for (const { flag, modes } of flags.modeFlagsGiven ?? []) {
    if (!modes.includes(mode)) {
      const which = flags.mode === undefined ? `the index's default mode, ${mode}` : `--mode ${mode}`;
      throw new UsageError(`${flag} does nothing in ${which}: it applies to --mode ${modes.join(' or ')}`);
    }
  }
}

/** Maps the retrieval flags onto the retriever's options for `k` results. */
export function retrieveOptions(flags: RetrievalFlags, k: number) {
  return {
    k,
    ...(flags.mode !== undefined && { mode: flags.mode }),
    exhaustive: flags.exhaustive === true,
    ...(!flags.exhaustive && { candidatesPerToken: flags.candidates }),
    ...(!flags.exhaustive && flags.rerank !== undefined && { rerankDepth: flags.rerank }),
    ...(!flags.exhaustive && plaidKnobs(flags) && { plaid: plaidKnobs(flags) }),
    alpha: flags.alpha,
    beta: flags.beta,
    fusion: {
      ...(flags.fusion !== undefined && { method: flags.fusion }),
      ...(flags.lateWeight !== undefined && { lateWeight: flags.lateWeight }),
    },
  };
}

function plaidKnobs(flags: RetrievalFlags): { cells?: number; nprobe?: number; candidates?: number } | undefined {
  if (flags.cells === undefined && flags.nprobe === undefined && flags.centroidCandidates === undefined) return undefined;
  return {
    ...(flags.cells !== undefined && { cells: flags.cells }),
    ...(flags.nprobe !== undefined && { nprobe: flags.nprobe }),
    ...(flags.centroidCandidates !== undefined && { candidates: flags.centroidCandidates }),
  };
}
