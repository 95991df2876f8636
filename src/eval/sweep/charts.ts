import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import { placeLabels } from './label-layout.js';
import { RETENTION_MEASURE } from './retention.js';
import type { SweepReport } from './sweep-report.js';

// vega, vega-lite and resvg take seconds to load: they are loaded by the first render, so that importing src/eval
// (every eval and index command does) stays cheap.
const require = createRequire(import.meta.url);

/** Plot-area size in CSS pixels; the SVG adds title, axes and legend around it. */
export const PLOT_WIDTH = 640;
export const PLOT_HEIGHT = 380;
/** PNGs are rendered at this multiple of the SVG size, for sharp text. */
export const PNG_SCALE = 2;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const LABEL_FONT_SIZE = 10;
/** Average DejaVu Sans advance at 10 px, for label collision estimates. */
const LABEL_CHAR_WIDTH = 6.3;

interface ChartPoint {
  readonly label: string;
  readonly bytesPerDoc: number;
  readonly value: number;
  readonly quantization: string;
  /** For tooltips (interactive charts): storage and nDCG@10 relative to the baseline, in percent. */
  readonly storagePct: number | null;
  readonly retainedPct: number | null;
}

function points(report: SweepReport, value: (row: SweepReport['rows'][number]) => number | undefined): ChartPoint[] {
  return report.rows
    .map((row) => ({
      label: row.config.name,
      bytesPerDoc: row.storage.bytesPerDoc,
      value: value(row) ?? Number.NaN,
      quantization: row.config.quantization,
      storagePct: row.retention.storagePct,
      retainedPct: row.retention.ndcg10Pct,
    }))
    // A log axis cannot place 0 bytes, and NaN has no place at all.
    .filter((p) => p.bytesPerDoc > 0 && Number.isFinite(p.value));
}

/** Explicit domains (no "nice" rounding), so label positions can be computed in pixels before vega renders. */
function domains(data: readonly ChartPoint[], extraY: readonly number[], yFloor?: number): { x: [number, number]; y: [number, number] } {
  const lx = data.map((p) => Math.log10(p.bytesPerDoc));
  const lo = lx.length ? Math.min(...lx) : 0;
  const hi = lx.length ? Math.max(...lx) : 1;
  const span = Math.max(hi - lo, 0.3);
  const mid = (lo + hi) / 2;
  const x: [number, number] = [10 ** (mid - span / 2 - span * 0.08), 10 ** (mid + span / 2 + span * 0.08)];
  const ys = [...data.map((p) => p.value), ...extraY];
  const ylo = ys.length ? Math.min(...ys) : 0;
  const yhi = ys.length ? Math.max(...ys) : 1;
  const yspan = Math.max(yhi - ylo, Math.abs(yhi) * 0.05, 1e-3);
  let y0 = ylo - yspan * 0.12;
  if (yFloor !== undefined) y0 = Math.max(y0, yFloor);
  return { x, y: [y0, yhi + yspan * 0.12] };
}

function scatterLayers(data: ChartPoint[], domain: { x: [number, number]; y: [number, number] }, titles: { x: string; y: string }, yFormat: string): unknown[] {
  const x = {
    field: 'bytesPerDoc', type: 'quantitative', title: titles.x,
    scale: { type: 'log', domain: domain.x, nice: false }, axis: { format: '~s' },
  };
  const y = { field: 'value', type: 'quantitative', title: titles.y, scale: { domain: domain.y, nice: false, zero: false }, axis: { format: yFormat } };
  const [lx0, lx1] = domain.x.map(Math.log10) as [number, number];
  const [y0, y1] = domain.y;
  const placed = placeLabels(
    data.map((p) => ({
      px: ((Math.log10(p.bytesPerDoc) - lx0) / (lx1 - lx0)) * PLOT_WIDTH,
      py: (1 - (p.value - y0) / (y1 - y0)) * PLOT_HEIGHT,
      text: p.label,
    })),
    { width: PLOT_WIDTH, height: PLOT_HEIGHT },
    { fontSize: LABEL_FONT_SIZE, charWidth: LABEL_CHAR_WIDTH },
  );
  const labels = data.map((p, i) => ({
    label: p.label,
    align: placed[i]!.align,
    bytesPerDoc: 10 ** (lx0 + (placed[i]!.x / PLOT_WIDTH) * (lx1 - lx0)),
    value: y0 + (1 - placed[i]!.y / PLOT_HEIGHT) * (y1 - y0),
  }));
  return [
    {
      data: { values: data },
      mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
      encoding: {
        x,
        y,
        color: { field: 'quantization', type: 'nominal', title: 'vectors stored as', legend: { orient: 'bottom' } },
        tooltip: [
          { field: 'label', title: 'configuration' },
          { field: 'bytesPerDoc', title: 'bytes per document', format: ',.0f' },
          { field: 'storagePct', title: 'storage (% of baseline)', format: '.1f' },
          { field: 'value', title: titles.y, format: '.4f' },
          { field: 'retainedPct', title: 'nDCG@10 retained (%)', format: '.1f' },
        ],
      },
    },
    ...(['left', 'right', 'center'] as const).map((align) => ({
      data: { values: labels.filter((l) => l.align === align) },
      mark: { type: 'text', align, baseline: 'middle', fontSize: LABEL_FONT_SIZE, color: '#222' },
      encoding: { x, y, text: { field: 'label' } },
    })),
  ];
}

function baseSpec(title: string, layer: unknown[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    padding: 12,
    background: 'white',
    config: { font: FONT, view: { stroke: '#ddd' } },
    layer,
  } as TopLevelSpec;
}

const X_TITLE = 'vector bytes per document (log scale)';

/** nDCG@10 (y) against vector bytes per document (log x), one labelled point per configuration, BM25 as a rule. */
export function ndcgVsStorageSpec(report: SweepReport): TopLevelSpec {
  const data = points(report, (row) => row.metrics[RETENTION_MEASURE]);
  const bm25 = report.bm25?.[RETENTION_MEASURE];
  const domain = domains(data, bm25 === undefined ? [] : [bm25], 0);
  const layer = scatterLayers(data, domain, { x: X_TITLE, y: 'nDCG@10' }, '.3f');
  if (bm25 !== undefined) {
    const reference = [{ value: bm25, label: `BM25 ${bm25.toFixed(3)}` }];
    const y = { field: 'value', type: 'quantitative', scale: { domain: domain.y, nice: false, zero: false } };
    layer.unshift(
      {
        data: { values: reference },
        mark: { type: 'rule', color: '#b22', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y },
      },
      {
        data: { values: reference },
        mark: { type: 'text', color: '#b22', align: 'left', baseline: 'bottom', dy: -3, fontSize: 11, x: 4 },
        encoding: { y, text: { field: 'label' } },
      },
    );
  }
  return baseSpec(`${report.dataset} (${report.split}): nDCG@10 vs storage`, layer);
}

/** p50 query latency (y) against vector bytes per document (log x). */
export function latencyVsStorageSpec(report: SweepReport): TopLevelSpec {
  const data = points(report, (row) => row.latency.p50Ms);
  const layer = scatterLayers(data, domains(data, [], 0), { x: X_TITLE, y: 'p50 latency (ms)' }, '.2f');
  return baseSpec(`${report.dataset} (${report.split}): p50 query latency vs storage`, layer);
}

/** The Vega spec a Vega-Lite chart compiles to (what a browser draws with vega alone, without vega-lite). */
export async function compileChart(spec: TopLevelSpec): Promise<object> {
  const { compile } = await import('vega-lite');
  return compile(spec).spec;
}

/** Compiles a vega-lite spec and renders it headless (no canvas: vega estimates text widths) to SVG. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ parse: parseVega, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG at `scale` x its size, with system fonts (labels need a sans-serif font installed). */
export function svgToPng(svg: string, scale = PNG_SCALE): Buffer {
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

export interface RenderedChart {
  readonly svg: string;
  readonly png: Buffer;
}

export async function renderChart(spec: TopLevelSpec): Promise<RenderedChart> {
  const svg = await renderSvg(spec);
  return { svg, png: svgToPng(svg) };
}
