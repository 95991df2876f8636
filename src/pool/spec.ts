import { UsageError } from '../shared/errors.js';
import { AdaptivePooler } from './adaptive-pooler.js';
import { DartPruner } from './dart-pruner.js';
import { DivPrunePruner } from './divprune-pruner.js';
import { FirstPruner } from './first-pruner.js';
import { HierarchicalPooler } from './hierarchical-pooler.js';
import { IdfTopPruner } from './idf-top-pruner.js';
import { KMeansPooler } from './kmeans-pooler.js';
import type { LinkageMethod } from './linkage.js';
import { ReductionPipeline } from './pipeline.js';
import { RandomPruner } from './random-pruner.js';
import { SkiplistPruner } from './skiplist-pruner.js';
import { SpatialPooler } from './spatial-pooler.js';
import type { TokenReducer } from './types.js';

/** Every step and its parameter form, for help texts and error messages. */
export const REDUCTION_STEP_FORMS: readonly string[] = [
  'none (alone; same as an empty spec)',
  'skiplist',
  'first:<k, integer >= 1>',
  'idf-top:<ratio, 0 < r <= 1>',
  'random:<ratio, 0 < r <= 1>',
  'divprune:<ratio, 0 < r <= 1>',
  'dart:<ratio, 0 < r <= 1>',
  'ward:<factor >= 1>[:raw]',
  'average:<factor >= 1>[:raw]',
  'complete:<factor >= 1>[:raw]',
  'single:<factor >= 1>[:raw]',
  'kmeans:<k, integer >= 1 | ratio, 0 < r < 1>[:raw]',
  'lightcolpali:<factor >= 1>[:raw]',
  'spatial1d:<f, integer >= 1>[:raw]',
  'spatial2d:<f, integer >= 1>[:raw]',
  'adaptive:<threshold, 0 <= t <= 2>[:raw]',
];

const HELP = `valid steps: ${REDUCTION_STEP_FORMS.join(', ')}; ":raw" keeps pooled means unnormalised; ` +
  'steps are comma-separated, e.g. "skiplist,idf-top:0.9,ward:2"';

const NUMBER_TEXT = /^(\d+(\.\d*)?|\.\d+)$/;

function fail(spec: string, step: string, problem: string): never {
  throw new UsageError(`invalid reduction spec "${spec}": step "${step}": ${problem}; ${HELP}`, 'invalid_reduction_spec');
}

/** Parses a comma-separated spec such as `skiplist,idf-top:0.9,ward:2`; `""` or `"none"` is the identity. */
export function parseReductionSpec(spec: string): ReductionPipeline {
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return new ReductionPipeline([]);
  const steps: TokenReducer[] = [];
  for (const rawStep of trimmed.split(',')) {
    const stepText = rawStep.trim();
    if (stepText === '') fail(spec, rawStep, 'empty step');
    steps.push(parseStep(spec, stepText));
  }
  return new ReductionPipeline(steps);
}

function parseStep(spec: string, stepText: string): TokenReducer {
  const parts = stepText.split(':').map((s) => s.trim());
  const name = parts[0]!.toLowerCase();
  const param = parts[1];
  const option = parts[2]?.toLowerCase();
  const number = (): number => {
    if (param === undefined || param === '') fail(spec, stepText, `"${name}" needs a parameter`);
    if (!NUMBER_TEXT.test(param)) fail(spec, stepText, `parameter "${param}" is not a non-negative number`);
    return Number(param);
  };
  const noParam = (): void => {
    if (parts.length > 1) fail(spec, stepText, `"${name}" takes no parameter`);
  };
  const ratio = (): number => {
    if (parts.length > 2) fail(spec, stepText, `"${name}" takes one parameter`);
    const r = number();
    if (!(r > 0 && r <= 1)) fail(spec, stepText, `ratio must be in (0, 1], got ${param}`);
    return r;
  };
  const renormalize = (): boolean => {
    if (parts.length > 3) fail(spec, stepText, 'too many ":" parts');
    if (option === undefined) return true;
    if (option === 'raw') return false;
    return fail(spec, stepText, `unknown option "${parts[2]}" (only "raw")`);
  };
  const factor = (integer: boolean): number => {
    const f = number();
    if (!(f >= 1) || (integer && !Number.isInteger(f))) {
      fail(spec, stepText, `factor must be ${integer ? 'an integer' : 'a number'} >= 1, got ${param}`);
    }
    return f;
  };
  switch (name) {
    case 'none':
      return fail(spec, stepText, '"none" cannot be combined with other steps');
    case 'skiplist':
      noParam();
      return new SkiplistPruner();
    case 'first': {
      if (parts.length > 2) fail(spec, stepText, '"first" takes one parameter');
      const k = number();
      if (!(Number.isInteger(k) && k >= 1)) fail(spec, stepText, `k must be an integer >= 1, got ${param}`);
      return new FirstPruner(k);
    }
    case 'idf-top':
      return new IdfTopPruner(ratio());
    case 'random':
      return new RandomPruner(ratio());
    case 'divprune':
      return new DivPrunePruner(ratio());
    case 'dart':
      return new DartPruner(ratio());
    case 'ward':
    case 'average':
    case 'complete':
    case 'single': {
      const f = factor(false);
      return new HierarchicalPooler(name as LinkageMethod, f, renormalize());
    }
    case 'lightcolpali': {
      const f = factor(false);
      const renorm = renormalize();
      return new HierarchicalPooler('ward', f, renorm, `lightcolpali:${f}${renorm ? '' : ':raw'}`);
    }
    case 'spatial1d':
    case 'spatial2d': {
      const f = factor(true);
      return new SpatialPooler(name === 'spatial1d' ? '1d' : '2d', f, renormalize());
    }
    case 'kmeans': {
      const k = number();
      const renorm = renormalize();
      if (k > 0 && k < 1) return new KMeansPooler({ kind: 'ratio', ratio: k }, renorm);
      if (Number.isInteger(k) && k >= 1) return new KMeansPooler({ kind: 'fixed', clusters: k }, renorm);
      return fail(spec, stepText, `expected an integer k >= 1 or a ratio 0 < r < 1, got ${param}`);
    }
    case 'adaptive': {
      const t = number();
      if (!(t >= 0 && t <= 2)) fail(spec, stepText, `threshold must be a cosine distance in [0, 2], got ${param}`);
      return new AdaptivePooler(t, renormalize());
    }
    default:
      return fail(spec, stepText, `unknown step "${parts[0]}"`);
  }
}
