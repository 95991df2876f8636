import { api, documentPath, searchPath, type DocumentTokenJson, type SearchMode, type SearchResponse, type StoredDocumentJson, type TokenScore } from '../api.js';
import { colourOf, fieldHighlights } from '../highlight.js';
import { MarkedText } from '../marked-text.js';
import type { PageContext } from '../page-context.js';
import { ProblemView } from '../problem-view.js';
import { href } from '../route.js';
import { useApi } from '../use-api.js';

interface Explained {
  readonly document: StoredDocumentJson;
  readonly response: SearchResponse;
}

/**
 * Why a document matched a query: the API's token scores for that one document (a search restricted to its id,
 * which scores it exactly), as a table per query token and as a heat map over the document's text.
 */
export function MatchPage({ params, generation, onProblem }: PageContext & { params: URLSearchParams }) {
  const index = params.get('index') ?? '';
  const id = params.get('id') ?? '';
  const query = params.get('q') ?? '';
  const mode = (params.get('mode') as SearchMode | null) ?? 'late';
  const loaded = useApi(
    index && id && query
      ? async (): Promise<Explained> => {
          const [document, response] = await Promise.all([
            api<StoredDocumentJson>('GET', documentPath(index, id)),
            api<SearchResponse>('POST', searchPath(index), { query, mode, top_k: 1, filter: { ids: [id] }, include: ['token_scores'] }),
          ]);
          return { document, response };
        }
      : undefined,
    [params.toString(), generation],
    onProblem,
  );
  const back = href('search', { index, q: query, mode });
  return (
    <section data-testid="match-page">
      <p>
        <a href={back}>← back to the results</a>
      </p>
      {(!index || !id || !query) && <p class="hint">Open a hit's “why this match” link from the search page.</p>}
      {loaded?.state === 'loading' && <p class="hint">Explaining…</p>}
      {loaded?.state === 'failed' && <ProblemView problem={loaded.problem} />}
      {loaded?.state === 'done' && <Explanation explained={loaded.value} query={query} mode={mode} />}
    </section>
  );
}

function Explanation({ explained, query, mode }: { explained: Explained; query: string; mode: SearchMode }) {
  const { document } = explained;
  const hit = explained.response.results[0]?.hits[0];
  if (hit === undefined) {
    return <p class="hint">This document does not match the query in mode {mode} (the filters of a search do not apply here).</p>;
  }
  const scores = hit.token_scores ?? [];
  const late = scores.reduce((sum, s) => sum + s.weight * s.similarity, 0);
  const traced = scores.some((s) => s.document_tokens !== undefined);
  return (
    <>
      <div class="card">
        <h2 data-testid="match-title">{document.title || document.id}</h2>
        <p class="hint">
          <code>{document.id}</code> · {document.vectors} stored vectors · query “{query}” · mode {mode}
        </p>
        <p data-testid="match-score">
          Score <strong>{hit.score.toFixed(4)}</strong>
          {hit.components ? (
            <>
              {' '}
              = fused late part <strong data-testid="late-part">{hit.components.late.toFixed(4)}</strong> (MaxSim) and sparse part{' '}
              <strong data-testid="sparse-part">{hit.components.sparse.toFixed(4)}</strong> (BM25). The token table explains the late part.
            </>
          ) : mode === 'sparse' ? (
            <> (BM25). The token table shows the late-interaction (MaxSim) view of the same document: {late.toFixed(4)}.</>
          ) : (
            <> = Σ weight × similarity over the query tokens.</>
          )}
        </p>
      </div>
      <TokenTable scores={scores} late={late} />
      <div class="card heatmap" data-testid="heatmap">
        <h3>Matched words</h3>
        {!traced && <p class="hint">The stored vectors of this document cannot be traced to its text (e.g. precomputed embeddings).</p>}
        {document.title && (
          <p class="doc-title" data-testid="heatmap-title">
            <MarkedText text={document.title} highlights={fieldHighlights(scores, 'title')} field="title" />
          </p>
        )}
        <p class="doc-text" data-testid="heatmap-text">
          <MarkedText text={document.text ?? ''} highlights={fieldHighlights(scores, 'text')} field="text" />
        </p>
      </div>
    </>
  );
}

function describeToken(token: DocumentTokenJson): string {
  const where = token.field === undefined ? 'no text' : `${token.field} ${token.start}–${token.end}`;
  return `${token.text ?? token.token} (token ${token.position}, ${where})`;
}

function TokenTable({ scores, late }: { scores: readonly TokenScore[]; late: number }) {
  return (
    <div class="card">
      <h3>Per query token</h3>
      <table class="tokens" data-testid="token-table">
        <thead>
          <tr>
            <th>query token</th>
            <th>matched document token (position)</th>
            <th class="num">similarity</th>
            <th class="num">weight</th>
            <th class="num">weight × similarity</th>
            <th class="num">share of score</th>
          </tr>
        </thead>
        <tbody>
          {scores.map((s, i) => {
            const part = s.weight * s.similarity;
            const tokens = s.document_tokens ?? [];
            return (
              <tr key={i} data-testid="token-row" data-query-token={s.query_token ?? ''}>
                <td>
                  <span class="swatch" style={{ background: colourOf(i) }} /> {s.query_token ?? `#${i}`}
                  {s.exact_match && (
                    <span class="badge" title="exact-match recovery: the document holds this token, so it scores its self-similarity" data-testid="exact-badge">
                      exact match
                    </span>
                  )}
                </td>
                <td>
                  {tokens.length === 0 ? (
                    <span class="hint">stored vector {s.document_vector}</span>
                  ) : (
                    <>
                      {tokens.length > 1 && !s.exact_match && <span class="hint">pooled vector {s.document_vector}, stands for: </span>}
                      {tokens.map((t) => describeToken(t)).join('; ')}
                    </>
                  )}
                </td>
                <td class="num">{s.similarity.toFixed(4)}</td>
                <td class="num">{s.weight.toFixed(3)}</td>
                <td class="num">{part.toFixed(4)}</td>
                <td class="num">
                  <span class="bar" style={{ width: `${late > 0 ? Math.max(0, (100 * part) / late) : 0}%`, background: colourOf(i) }} />
                  {late > 0 ? `${((100 * part) / late).toFixed(1)}%` : '–'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
