import { useEffect, useState } from 'preact/hooks';
import { ApiProblem } from './api.js';

export type Loaded<T> = { state: 'loading' } | { state: 'done'; value: T } | { state: 'failed'; problem: ApiProblem };

/** Runs `load` whenever `deps` change (and on `reload`), keeping the latest answer; stale answers are dropped. */
export function useApi<T>(load: (() => Promise<T>) | undefined, deps: readonly unknown[], onProblem?: (p: ApiProblem) => void): Loaded<T> | undefined {
  const [result, setResult] = useState<Loaded<T> | undefined>(undefined);
  useEffect(() => {
    if (load === undefined) {
      setResult(undefined);
      return;
    }
    let current = true;
    setResult({ state: 'loading' });
    load().then(
      (value) => current && setResult({ state: 'done', value }),
      (err: unknown) => {
        if (!current) return;
        const problem = err instanceof ApiProblem ? err : new ApiProblem(0, 'console_error', 'The console failed', String(err));
        setResult({ state: 'failed', problem });
        onProblem?.(problem);
      },
    );
    return () => {
      current = false;
    };
  }, deps);
  return result;
}
