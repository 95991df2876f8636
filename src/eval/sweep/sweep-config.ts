import { parseCodecName, type CodecName } from '../../index/index.js';
import { parseReductionSpec } from '../../pool/index.js';
import { SEARCH_MODES, type SearchMode } from '../../search/index.js';
import { UsageError } from '../../shared/index.js';

export type { SearchMode };
/** Modes a sweep may measure; a mode the searcher lacks would be refused here, before any work starts. */
export const SUPPORTED_SEARCH_MODES: ReadonlySet<SearchMode> = new Set<SearchMode>(SEARCH_MODES);

/** One point of a sweep: how vectors are reduced and stored, and how the index is searched. */
export interface SweepConfig {
  /** Human label, e.g. `ward:2 / float16` (plus ` / hybrid` for non-late modes). */
  readonly name: string;
  /** File-system-safe form of `name`, used for `run.<slug>.trec` and the index directory. */
  readonly slug: string;
  /** Canonical reduction spec as the pipeline reports it (`none` when empty). */
  readonly reduction: string;
  readonly quantization: CodecName;
  readonly mode: SearchMode;
  /** The unreduced float32 configuration (in the sweep's first mode) every retention figure is relative to. */
  readonly baseline: boolean;
}

export const BASELINE_REDUCTION = 'none';
export const BASELINE_QUANTIZATION: CodecName = 'float32';

function splitList(text: string, separator: RegExp): string[] {
  return text.split(separator).map((s) => s.trim()).filter((s) => s !== '');
}

function canonicalReduction(spec: string): string {
  return parseReductionSpec(spec).spec;
}

export function configSlug(reduction: string, quantization: string, mode: SearchMode): string {
  const parts = [reduction, quantization, ...(mode === 'late' ? [] : [mode])];
  return parts.map((p) => p.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '')).join('.');
}

function configName(reduction: string, quantization: string, mode: SearchMode): string {
  return [reduction, quantization, ...(mode === 'late' ? [] : [mode])].join(' / ');
}

export interface SweepGridSpec {
  /** `;`-separated reduction specs, e.g. `none;ward:2;skiplist,kmeans:32`. */
  readonly reduce: string;
  /** `;`- or `,`-separated codecs; default `float16`. */
  readonly quantize?: string;
  /** `,`- or `;`-separated modes; default `late`. The first is the baseline's. */
  readonly mode?: string;
}

/**
 * The configurations of a sweep: every reduction x quantization x mode, in the order given, duplicates removed,
 * with the unreduced float32 baseline in the first listed mode first (added when not listed), so that retention
 * compares like with like. Invalid specs, unknown codecs and unsupported modes are UsageErrors naming the flag.
 */
export function parseSweepGrid(spec: SweepGridSpec): SweepConfig[] {
  const reductions = splitList(spec.reduce, /;/).map(canonicalReduction);
  if (reductions.length === 0) throw new UsageError('--reduce lists no reduction specs (e.g. "none;ward:2;ward:4")', 'invalid_sweep');
  const quantizations = splitList(spec.quantize ?? 'float16', /[;,]/).map((q) => parseCodecName(q, 'invalid_sweep'));
  if (quantizations.length === 0) throw new UsageError('--quantize lists no codecs', 'invalid_sweep');
  const modes = splitList(spec.mode ?? 'late', /[;,]/).map((m) => {
    const name = m.toLowerCase();
    if (!(SEARCH_MODES as readonly string[]).includes(name)) {
      throw new UsageError(`--mode: unknown mode "${m}" (valid: ${SEARCH_MODES.join(', ')})`, 'invalid_sweep');
    }
    if (!SUPPORTED_SEARCH_MODES.has(name as SearchMode)) {
      throw new UsageError(
        `--mode: "${name}" search is not available in this build yet (available: ${[...SUPPORTED_SEARCH_MODES].join(', ')})`,
        'unsupported_mode',
      );
    }
    return name as SearchMode;
  });
  if (modes.length === 0) throw new UsageError('--mode lists no modes', 'invalid_sweep');

  const baselineMode = modes[0]!;
  const configs: SweepConfig[] = [makeConfig(BASELINE_REDUCTION, BASELINE_QUANTIZATION, baselineMode, baselineMode)];
  const names = new Set(configs.map((c) => c.name));
  const slugs = new Set(configs.map((c) => c.slug));
  for (const reduction of reductions) {
    for (const quantization of quantizations) {
      for (const mode of modes) {
        let config = makeConfig(reduction, quantization, mode, baselineMode);
        if (names.has(config.name)) continue;
        // Distinct specs can share a slug once punctuation is folded; a suffix keeps their files apart.
        for (let n = 2; slugs.has(config.slug); n++) config = { ...config, slug: `${configSlug(reduction, quantization, mode)}-${n}` };
        names.add(config.name);
        slugs.add(config.slug);
        configs.push(config);
      }
    }
  }
  return configs;
}

function makeConfig(reduction: string, quantization: CodecName, mode: SearchMode, baselineMode: SearchMode): SweepConfig {
  return {
    name: configName(reduction, quantization, mode),
    slug: configSlug(reduction, quantization, mode),
    reduction,
    quantization,
    mode,
    baseline: reduction === BASELINE_REDUCTION && quantization === BASELINE_QUANTIZATION && mode === baselineMode,
  };
}
