import { Resvg } from '@resvg/resvg-js';
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { RETENTION_MEASURE } from './retention.js';
import type { SweepReport } from './sweep-report.js';

/** Chart size in CSS pixels (the SVG's size; axes, labels and legend fit inside). */
export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 440;
/** PNGs are rendered at this multiple of the SVG size, for sharp text. */
export const PNG_SCALE = 2;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

interface ChartPoint {
  readonly label: string;
  readonly bytesPerDoc: number;
  readonly value: number;
  readonly quantization: string;
}

function points(report: SweepReport, value: (row: SweepReport['rows'][number]) => number | undefined): ChartPoint[] {
  return report.rows
    .map((row) => ({
      label: row.config.name,
      bytesPerDoc: row.storage.bytesPerDoc,
      value: value(row) ?? Number.NaN,
      quantization: row.config.quantization,
    }))
    // A log axis cannot place 0 bytes, and NaN has no place at all.
    .filter((p) => p.bytesPerDoc > 0 && Number.isFinite(p.value));
}

function scatterLayers(data: ChartPoint[], xTitle: string, yTitle: string, yFormat: string): unknown[] {
  const x = { field: 'bytesPerDoc', type: 'quantitative', title: xTitle, scale: { type: 'log', nice: false, padding: 24 }, axis: { format: '~s' } };
  const y = { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false, padding: 16 }, axis: { format: yFormat } };
  return [
    {
      data: { values: data },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x,
        y,
        color: { field: 'quantization', type: 'nominal', title: 'vectors stored as' },
        tooltip: [{ field: 'label' }, { field: 'bytesPerDoc', format: '.0f' }, { field: 'value', format: '.4f' }],
      },
    },
    {
      data: { values: data },
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7, dy: -6, fontSize: 10, angle: 0 },
      encoding: { x, y, text: { field: 'label' } },
    },
  ];
}

function baseSpec(title: string, layer: unknown[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    config: { font: FONT, view: { stroke: '#ddd' } },
    layer,
  } as TopLevelSpec;
}

/** nDCG@10 (y) against vector bytes per document (log x), one labelled point per configuration, BM25 as a rule. */
export function ndcgVsStorageSpec(report: SweepReport): TopLevelSpec {
  const data = points(report, (row) => row.metrics[RETENTION_MEASURE]);
  const layer = scatterLayers(data, 'vector bytes per document (log scale)', 'nDCG@10', '.3f');
  if (report.bm25) {
    const bm25 = report.bm25[RETENTION_MEASURE];
    const reference = [{ value: bm25, label: `BM25 ${bm25.toFixed(3)}` }];
    layer.push(
      {
        data: { values: reference },
        mark: { type: 'rule', color: '#b22', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'value', type: 'quantitative' } },
      },
      {
        data: { values: reference },
        mark: { type: 'text', color: '#b22', align: 'right', baseline: 'bottom', dy: -3, fontSize: 11, x: { expr: 'width - 4' } },
        encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return baseSpec(`${report.dataset} (${report.split}): nDCG@10 vs storage`, layer);
}

/** p50 query latency (y) against vector bytes per document (log x). */
export function latencyVsStorageSpec(report: SweepReport): TopLevelSpec {
  const data = points(report, (row) => row.latency.p50Ms);
  const layer = scatterLayers(data, 'vector bytes per document (log scale)', 'p50 latency (ms)', '.2f');
  return baseSpec(`${report.dataset} (${report.split}): p50 query latency vs storage`, layer);
}

/** Compiles a vega-lite spec and renders it headless (no canvas: vega estimates text widths) to SVG. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG at `scale` x its size, with system fonts (labels need a sans-serif font installed). */
export function svgToPng(svg: string, scale = PNG_SCALE): Buffer {
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
