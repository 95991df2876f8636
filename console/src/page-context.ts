import type { ApiProblem, IndexInfo } from './api.js';

/** What every page gets from the app: the served indexes, a counter bumped when the key changes, and where 401s go. */
export interface PageContext {
  readonly indexes: readonly IndexInfo[];
  readonly generation: number;
  readonly onProblem: (problem: ApiProblem) => void;
}
