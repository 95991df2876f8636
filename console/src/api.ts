import type {
  DocumentTokenJson,
  IndexInfo,
  SearchMode,
  SearchRequest,
  SearchResponse,
  StoredDocumentJson,
  SweepListJson,
} from '../../src/api/schemas.js';
import type { SweepReport, SweepRow } from '../../src/eval/sweep/sweep-report.js';

export type { DocumentTokenJson, IndexInfo, SearchMode, SearchResponse, StoredDocumentJson, SweepListJson, SweepReport, SweepRow };
export type Hit = SearchResponse['results'][number]['hits'][number];
export type TokenScore = NonNullable<Hit['token_scores']>[number];
/** What the console sends: the request body before defaults are applied. */
export type SearchBody = Partial<SearchRequest> & Pick<SearchRequest, 'mode'>;

const KEY_STORAGE = 'lateindex.apiKey';

/** The API key lives in this tab's session storage only: never in a URL, gone when the tab closes. */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

/** An RFC 9457 problem the API answered with (or one made up for a network failure). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(`${title}: ${detail}`);
  }

  get needsKey(): boolean {
    return this.status === 401;
  }
}

/** One call to the REST API on this origin, with the key when one is stored; failures throw ApiProblem. */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch (err) {
    throw new ApiProblem(0, 'network_error', 'The server did not answer', (err as Error).message);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.ok) return parsed as T;
  const problem = (parsed ?? {}) as Partial<{ code: string; title: string; detail: string; issues: { path: string; message: string }[] }>;
  throw new ApiProblem(
    res.status,
    problem.code ?? 'http_error',
    problem.title ?? (res.statusText || `HTTP ${res.status}`),
    problem.detail ?? (text.slice(0, 300) || 'no details'),
    problem.issues ?? [],
  );
}

export const indexesPath = '/v1/indexes';
export const indexPath = (name: string): string => `/v1/indexes/${encodeURIComponent(name)}`;
export const searchPath = (name: string): string => `${indexPath(name)}/search`;
export const documentPath = (name: string, id: string): string => `${indexPath(name)}/documents/${encodeURIComponent(id)}`;
export const sweepsPath = '/v1/sweeps';
export const sweepPath = (id: string): string => `${sweepsPath}/${encodeURIComponent(id)}`;
export const sweepChartPath = (id: string, chart: 'ndcg-vs-storage' | 'latency-vs-storage'): string => `${sweepPath(id)}/charts/${chart}`;
