import { useEffect, useRef, useState } from 'preact/hooks';
import { api, sweepChartPath, sweepPath, sweepsPath, type SweepListJson, type SweepReport, type SweepRow } from '../api.js';
import { formatNumber } from '../format.js';
import type { PageContext } from '../page-context.js';
import { ProblemView } from '../problem-view.js';
import { href } from '../route.js';
import { useApi } from '../use-api.js';

const CHARTS = ['ndcg-vs-storage', 'latency-vs-storage'] as const;
type Chart = (typeof CHARTS)[number];

interface Loaded {
  readonly report: SweepReport;
  /** The Vega specs of the charts. */
  readonly specs: Record<Chart, object>;
}

/** Sweep reports found under the server's --sweeps folder: the two charts (interactive) and the table, sortable. */
export function SweepsPage({ params, generation, onProblem }: PageContext & { params: URLSearchParams }) {
  const list = useApi(() => api<SweepListJson>('GET', sweepsPath), [generation], onProblem);
  const chosen = params.get('id') ?? (list?.state === 'done' ? list.value.sweeps[0]?.id : undefined);
  const loaded = useApi(
    chosen === undefined
      ? undefined
      : async (): Promise<Loaded> => {
          const [report, ndcg, latency] = await Promise.all([
            api<SweepReport>('GET', sweepPath(chosen)),
            api<{ vega: object }>('GET', sweepChartPath(chosen, 'ndcg-vs-storage')),
            api<{ vega: object }>('GET', sweepChartPath(chosen, 'latency-vs-storage')),
          ]);
          return { report, specs: { 'ndcg-vs-storage': ndcg.vega, 'latency-vs-storage': latency.vega } };
        },
    [chosen, generation],
    onProblem,
  );
  if (list?.state === 'failed') return <ProblemView problem={list.problem} />;
  if (list?.state !== 'done') return <p class="hint">Loading…</p>;
  const { served, sweeps, skipped } = list.value;
  if (!served) return <p class="hint" data-testid="no-sweeps">Start the server with <code>lateindex serve --sweeps &lt;dir&gt;</code> to see sweep reports here.</p>;
  return (
    <section class="sweeps">
      <nav class="card sweep-list" data-testid="sweep-list">
        {sweeps.length === 0 && <p class="hint">No sweep report (report.json) under the --sweeps folder.</p>}
        {sweeps.map((s) => (
          <a key={s.id} href={href('sweeps', { id: s.id })} class={s.id === chosen ? 'active' : ''} data-testid="sweep-link">
            {s.id} <span class="hint">{s.dataset} ({s.split}), {s.configurations} configurations</span>
          </a>
        ))}
        {skipped.map((s) => (
          <p key={s.id} class="hint">
            skipped {s.id}: {s.reason}
          </p>
        ))}
      </nav>
      {loaded?.state === 'loading' && <p class="hint">Loading…</p>}
      {loaded?.state === 'failed' && <ProblemView problem={loaded.problem} />}
      {loaded?.state === 'done' && <SweepView key={chosen} loaded={loaded.value} />}
    </section>
  );
}

function SweepView({ loaded }: { loaded: Loaded }) {
  const { report } = loaded;
  return (
    <div>
      <div class="card">
        <h2>
          {report.dataset} ({report.split})
        </h2>
        <p class="hint">
          Encoder {report.encoder} · {report.rows[0]?.storage.documents ?? 0} documents · {report.rows[0]?.queries ?? 0} judged queries · baseline {report.baseline}
          {report.bm25 && ` · BM25 nDCG@10 ${report.bm25['nDCG@10'].toFixed(4)} (${report.bm25.source})`} · {report.createdAt}
        </p>
        {report.notes.length > 0 && (
          <ul class="hint">
            {report.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        )}
      </div>
      <div class="charts">
        {CHARTS.map((chart) => (
          <ChartView key={chart} name={chart} spec={loaded.specs[chart]} />
        ))}
      </div>
      <SweepTable rows={report.rows} />
    </div>
  );
}

/**
 * One chart drawn by vega from the Vega spec the API compiled, with vega-tooltip for hover. Vega loads with the
 * first chart, so the other pages never load it; expressions run in vega-interpreter (no eval, so the page's
 * content security policy holds).
 */
function ChartView({ name, spec }: { name: Chart; spec: object }) {
  const box = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  useEffect(() => {
    let view: { finalize(): void } | undefined;
    let live = true;
    Promise.all([import('vega'), import('vega-interpreter'), import('vega-tooltip')])
      .then(async ([vega, { expressionInterpreter }, { Handler }]) => {
        if (!live || !box.current) return;
        const drawn = new vega.View(vega.parse(spec as never, undefined, { ast: true }), {
          container: box.current,
          renderer: 'svg',
          hover: true,
          expr: expressionInterpreter,
        });
        drawn.tooltip(new Handler().call);
        view = drawn;
        await drawn.runAsync();
        box.current?.setAttribute('data-drawn', 'true');
      })
      .catch((err: unknown) => live && setFailure(String(err)));
    return () => {
      live = false;
      view?.finalize();
    };
  }, [spec]);
  return (
    <div class="card chart" data-testid={`chart-${name}`}>
      {failure && <p class="problem">The chart could not be drawn: {failure}</p>}
      <div ref={box} />
    </div>
  );
}

interface Column {
  readonly label: string;
  readonly value: (row: SweepRow) => number | string | null;
  readonly digits?: number;
}

const COLUMNS: readonly Column[] = [
  { label: 'configuration', value: (r) => `${r.config.name}${r.config.exactMatchRecovery ? ' + exact' : ''}${r.config.baseline ? ' (baseline)' : ''}` },
  { label: 'mode', value: (r) => r.config.mode },
  { label: 'vectors/doc', value: (r) => r.storage.vectorsPerDoc, digits: 1 },
  { label: 'bytes/doc', value: (r) => r.storage.bytesPerDoc, digits: 0 },
  { label: 'storage %', value: (r) => r.retention.storagePct, digits: 1 },
  { label: 'nDCG@10', value: (r) => r.metrics['nDCG@10'] ?? null, digits: 4 },
  { label: 'retained %', value: (r) => r.retention.ndcg10Pct, digits: 1 },
  { label: 'R@100', value: (r) => r.metrics['R@100'] ?? null, digits: 4 },
  { label: 'RR@10', value: (r) => r.metrics['RR@10'] ?? null, digits: 4 },
  { label: 'index recall@10', value: (r) => r.indexRecall?.value ?? null, digits: 3 },
  { label: 'p50 ms', value: (r) => r.latency.p50Ms, digits: 2 },
  { label: 'p95 ms', value: (r) => r.latency.p95Ms, digits: 2 },
  { label: 'qps', value: (r) => r.latency.qps, digits: 1 },
];

function compare(a: number | string | null, b: number | string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

/** The report's table; a click on a column head sorts by it (again: the other way). Default: by storage. */
function SweepTable({ rows }: { rows: readonly SweepRow[] }) {
  const [sort, setSort] = useState<{ column: number; descending: boolean }>({ column: 3, descending: false });
  const column = COLUMNS[sort.column]!;
  const sorted = [...rows].sort((a, b) => (sort.descending ? -1 : 1) * compare(column.value(a), column.value(b)));
  return (
    <div class="card scroll">
      <table class="sweep-table" data-testid="sweep-table">
        <thead>
          <tr>
            {COLUMNS.map((c, i) => (
              <th
                key={c.label}
                class={c.digits === undefined ? '' : 'num'}
                onClick={() => setSort({ column: i, descending: sort.column === i && !sort.descending })}
                aria-sort={sort.column === i ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                data-testid="sweep-column"
              >
                {c.label}
                {sort.column === i ? (sort.descending ? ' ▼' : ' ▲') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={`${row.config.slug}.${row.config.mode}`} data-testid="sweep-row">
              {COLUMNS.map((c) => {
                const value = c.value(row);
                return (
                  <td key={c.label} class={c.digits === undefined ? '' : 'num'}>
                    {typeof value === 'number' || value === null ? formatNumber(value, c.digits) : value}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
