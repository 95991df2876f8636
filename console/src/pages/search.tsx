import { useEffect, useState } from 'preact/hooks';
import { api, searchPath, type Hit, type IndexInfo, type SearchBody, type SearchMode, type SearchResponse } from '../api.js';
import { fieldHighlights, snippetRange } from '../highlight.js';
import { MarkedText } from '../marked-text.js';
import type { PageContext } from '../page-context.js';
import { ProblemView } from '../problem-view.js';
import { href, navigate } from '../route.js';
import { useApi } from '../use-api.js';

const PAGE_SIZES = [10, 20, 50];

/** A filter row typed as `key` and `value`; the value is read as JSON when it parses (numbers, true, null), else as text. */
function filterValue(raw: string): string | number | boolean | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as string | number | boolean | null;
  } catch {
    // plain text
  }
  return raw;
}

interface SearchParams {
  readonly index: string;
  readonly query: string;
  readonly mode: SearchMode;
  readonly pageSize: number;
  readonly offset: number;
  readonly filters: readonly [string, string][];
  readonly exhaustive: boolean;
}

function readParams(params: URLSearchParams, indexes: readonly IndexInfo[]): SearchParams {
  const index = params.get('index') ?? indexes[0]?.name ?? '';
  return {
    index,
    query: params.get('q') ?? '',
    mode: (params.get('mode') as SearchMode | null) ?? indexes.find((i) => i.name === index)?.default_mode ?? 'late',
    pageSize: Number(params.get('k') ?? 10) || 10,
    offset: Number(params.get('offset') ?? 0) || 0,
    filters: params.getAll('f').map((f) => {
      const at = f.indexOf('=');
      return [f.slice(0, at), f.slice(at + 1)] as [string, string];
    }),
    exhaustive: params.get('exhaustive') === '1',
  };
}

function toParams(p: SearchParams): URLSearchParams {
  const out = new URLSearchParams({ index: p.index, q: p.query, mode: p.mode, k: String(p.pageSize) });
  if (p.offset > 0) out.set('offset', String(p.offset));
  for (const [key, value] of p.filters) if (key.trim() !== '') out.append('f', `${key.trim()}=${value}`);
  if (p.exhaustive) out.set('exhaustive', '1');
  return out;
}

/** The search request of a page of results: hits with title, text and token scores (for the marked snippets). */
function searchBody(p: SearchParams): SearchBody {
  const metadata = Object.fromEntries(p.filters.filter(([key]) => key.trim() !== '').map(([key, value]) => [key.trim(), filterValue(value)]));
  return {
    query: p.query,
    mode: p.mode,
    top_k: p.pageSize,
    offset: p.offset,
    include: ['title', 'text', 'token_scores'],
    ...(Object.keys(metadata).length > 0 && { filter: { metadata } }),
    ...(p.exhaustive && { exhaustive: true }),
  };
}

export function SearchPage({ params, indexes, generation, onProblem }: PageContext & { params: URLSearchParams }) {
  const current = readParams(params, indexes);
  const [draft, setDraft] = useState<SearchParams>(current);
  const key = params.toString();
  useEffect(() => setDraft(readParams(params, indexes)), [key, indexes.length]);
  const info = indexes.find((i) => i.name === draft.index);
  const ready = current.index !== '' && current.query.trim() !== '';
  const result = useApi(
    ready
      ? () => {
          const started = performance.now();
          return api<SearchResponse>('POST', searchPath(current.index), searchBody(current)).then((response) => ({ response, roundTripMs: performance.now() - started }));
        }
      : undefined,
    [key, generation],
    onProblem,
  );
  const submit = (event: Event) => {
    event.preventDefault();
    navigate('search', toParams({ ...draft, offset: 0 }));
  };
  const page = (offset: number) => navigate('search', toParams({ ...current, offset }));
  const setFilter = (i: number, which: 0 | 1, value: string) =>
    setDraft({ ...draft, filters: draft.filters.map((f, j) => (j === i ? (which === 0 ? [value, f[1]] : [f[0], value]) : f)) });
  return (
    <section>
      <form class="card search-form" onSubmit={submit} data-testid="search-form">
        <div class="row">
          <label>
            Index
            <select value={draft.index} onChange={(e) => setDraft({ ...draft, index: e.currentTarget.value })} data-testid="index-select">
              {indexes.map((i) => (
                <option key={i.name} value={i.name}>
                  {i.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Mode
            <select value={draft.mode} onChange={(e) => setDraft({ ...draft, mode: e.currentTarget.value as SearchMode })} data-testid="mode-select">
              {(info?.modes ?? ['late']).map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <label class="grow">
            Query
            <input type="search" value={draft.query} onInput={(e) => setDraft({ ...draft, query: e.currentTarget.value })} placeholder="what makes bread rise" data-testid="query-input" />
          </label>
          <label>
            Per page
            <select value={String(draft.pageSize)} onChange={(e) => setDraft({ ...draft, pageSize: Number(e.currentTarget.value) })} data-testid="page-size">
              {PAGE_SIZES.map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" data-testid="search-submit">
            Search
          </button>
        </div>
        <div class="row filters">
          <span class="hint">Metadata filters (every one must equal):</span>
          {draft.filters.map(([k, v], i) => (
            <span class="filter" key={i} data-testid="filter-row">
              <input value={k} placeholder="key" onInput={(e) => setFilter(i, 0, e.currentTarget.value)} data-testid="filter-key" />
              =
              <input value={v} placeholder="value" onInput={(e) => setFilter(i, 1, e.currentTarget.value)} data-testid="filter-value" />
              <button type="button" class="link" onClick={() => setDraft({ ...draft, filters: draft.filters.filter((_, j) => j !== i) })}>
                remove
              </button>
            </span>
          ))}
          <button type="button" class="link" onClick={() => setDraft({ ...draft, filters: [...draft.filters, ['', '']] })} data-testid="add-filter">
            add filter
          </button>
          <label class="inline">
            <input type="checkbox" checked={draft.exhaustive} onChange={(e) => setDraft({ ...draft, exhaustive: e.currentTarget.checked })} />
            exhaustive (exact MaxSim over every document)
          </label>
        </div>
      </form>
      {indexes.length === 0 && <p class="hint">This server serves no index.</p>}
      {result?.state === 'loading' && <p class="hint">Searching…</p>}
      {result?.state === 'failed' && <ProblemView problem={result.problem} />}
      {result?.state === 'done' && <Results params={current} response={result.value.response} roundTripMs={result.value.roundTripMs} onPage={page} />}
    </section>
  );
}

function Results({ params, response, roundTripMs, onPage }: { params: SearchParams; response: SearchResponse; roundTripMs: number; onPage: (offset: number) => void }) {
  const result = response.results[0];
  const hits = result?.hits ?? [];
  const pageNumber = Math.floor(params.offset / params.pageSize) + 1;
  return (
    <div data-testid="results">
      <p class="hint" data-testid="took">
        {hits.length === 0 ? 'No results' : `Results ${params.offset + 1}–${params.offset + hits.length}`} · page {pageNumber} · {response.mode} · took {response.took_ms.toFixed(1)} ms on the
        server ({roundTripMs.toFixed(0)} ms round trip)
      </p>
      <ol class="hits">
        {hits.map((hit) => (
          <HitView key={hit.id} hit={hit} params={params} />
        ))}
      </ol>
      <div class="pager">
        <button type="button" disabled={params.offset === 0} onClick={() => onPage(Math.max(0, params.offset - params.pageSize))} data-testid="prev-page">
          ← previous
        </button>
        <button type="button" disabled={hits.length < params.pageSize} onClick={() => onPage(params.offset + params.pageSize)} data-testid="next-page">
          next →
        </button>
      </div>
    </div>
  );
}

function HitView({ hit, params }: { hit: Hit; params: SearchParams }) {
  const scores = hit.token_scores ?? [];
  const text = hit.text ?? '';
  const textMarks = fieldHighlights(scores, 'text');
  const snippet = snippetRange(text, textMarks);
  const matchHref = href('match', { index: params.index, id: hit.id, q: params.query, mode: params.mode });
  return (
    <li class="hit card" data-testid="hit" data-id={hit.id} data-rank={hit.rank}>
      <div class="hit-head">
        <span class="rank" data-testid="hit-rank">
          {hit.rank}
        </span>
        <a class="title" href={matchHref} data-testid="hit-title">
          {hit.title ? <MarkedText text={hit.title} highlights={fieldHighlights(scores, 'title')} field="title" /> : <em>{hit.id}</em>}
        </a>
        <span class="score" data-testid="hit-score">
          score {hit.score.toFixed(4)}
          {hit.components && ` (late ${hit.components.late.toFixed(3)}, sparse ${hit.components.sparse.toFixed(3)})`}
        </span>
      </div>
      <p class="snippet" data-testid="hit-snippet">
        {snippet.start > 0 && '… '}
        <MarkedText text={text} highlights={textMarks} field="text" from={snippet.start} to={snippet.end} />
        {snippet.end < text.length && ' …'}
      </p>
      <div class="hit-foot">
        <code>{hit.id}</code> · <a href={matchHref}>why this match</a>
      </div>
    </li>
  );
}
