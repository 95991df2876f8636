import type { IndexInfo } from '../api.js';
import { formatBytes, formatNumber } from '../format.js';
import type { PageContext } from '../page-context.js';

/** Each served index as `lateindex stats` describes it, from the REST index info. */
export function IndexesPage({ indexes, loading }: PageContext & { loading: boolean }) {
  if (loading) return <p class="hint">Loading…</p>;
  if (indexes.length === 0) return <p class="hint">This server serves no index.</p>;
  return (
    <section class="indexes">
      {indexes.map((info) => (
        <IndexCard key={info.name} info={info} />
      ))}
    </section>
  );
}

function IndexCard({ info }: { info: IndexInfo }) {
  const sparse = info.sparse.mode === 'none' ? 'none' : `${info.sparse.mode}, blocks of ${info.sparse.block_size} documents (k1 ${info.sparse.k1}, b ${info.sparse.b})`;
  const rows: [string, string][] = [
    ['documents', formatNumber(info.documents)],
    ['vectors', `${formatNumber(info.vectors)} (${formatNumber(info.vectors_per_document, 1)} per document, ${formatNumber(info.distinct_vectors)} distinct in the HNSW graph)`],
    ['vector bytes', `${formatBytes(info.bytes)} (${formatNumber(info.bytes_per_document)} B per document)`],
    ['on disk', info.disk_bytes === undefined ? 'n/a' : formatBytes(info.disk_bytes)],
    ['encoder', `${info.encoder.kind}:${info.encoder.name} (dim ${info.encoder.dim}, hash ${info.encoder.hash.slice(0, 12)})`],
    ['reduction', info.reduction],
    ['codec', info.quantization],
    ['exact-match recovery', info.exact_match_recovery ? `on, ${formatBytes(info.exact_token_bytes ?? 0)} of token lists` : 'off'],
    ['sparse', sparse],
    ['modes', `${info.modes.join(', ')} (default ${info.default_mode})`],
    ...(info.codec
      ? ([
          [
            'codebook',
            `${info.codec.centroids} centroids, ${formatBytes(info.codec.state_bytes)}, trained on ${formatNumber(info.codec.train_vectors)} vectors (held-out cosine ${info.codec.held_out_cosine.toFixed(4)}); drift ${info.codec.drift_ratio.toFixed(2)}×${info.codec.retrain_advised ? ', retraining advised' : ''}`,
          ],
        ] as [string, string][])
      : []),
    ['writes', info.read_only ? 'read-only' : 'accepted'],
    ['created', info.created_at],
    ['updated', info.updated_at],
  ];
  return (
    <div class="card" data-testid="index-card" data-index={info.name}>
      <h2>{info.name}</h2>
      <table class="facts">
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label} data-testid={`fact-${label.replace(/\W+/g, '-')}`}>
              <th>{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Vectors after each reduction step</h3>
      <table class="steps" data-testid="steps">
        <thead>
          <tr>
            <th>step</th>
            <th class="num">vectors</th>
            <th class="num">per document</th>
          </tr>
        </thead>
        <tbody>
          {info.reduction_steps.map((s) => (
            <tr key={s.step}>
              <td>{s.step}</td>
              <td class="num">{formatNumber(s.vectors)}</td>
              <td class="num">{s.vectors === null || info.documents === 0 ? 'n/a' : formatNumber(s.vectors / info.documents, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
