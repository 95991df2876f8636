/** A point in plot pixels (origin top-left) with the text to place beside it. */
export interface LabelledPoint {
  readonly px: number;
  readonly py: number;
  readonly text: string;
}

export interface PlacedLabel {
  /** Anchor of the text in plot pixels; `align` says which side of the text the anchor is on. */
  readonly x: number;
  readonly y: number;
  readonly align: 'left' | 'right' | 'center';
  /** Whether the label had to overlap another label or point (no free spot was found). */
  readonly overlaps: boolean;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const CANDIDATES: readonly { dx: number; dy: number; align: PlacedLabel['align'] }[] = [
  { dx: 8, dy: 0, align: 'left' },
  { dx: -8, dy: 0, align: 'right' },
  { dx: 6, dy: -11, align: 'left' },
  { dx: 6, dy: 11, align: 'left' },
  { dx: -6, dy: -11, align: 'right' },
  { dx: -6, dy: 11, align: 'right' },
  { dx: 0, dy: -13, align: 'center' },
  { dx: 0, dy: 13, align: 'center' },
  { dx: 6, dy: -23, align: 'left' },
  { dx: 6, dy: 23, align: 'left' },
  { dx: -6, dy: -23, align: 'right' },
  { dx: -6, dy: 23, align: 'right' },
];

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Greedy label placement (vega's label transform needs a canvas, which headless rendering lacks): each label,
 * in the order given, takes the first candidate spot that stays inside the plot and overlaps neither a point nor
 * an earlier label; failing that, the spot with the least overlap. Text width is estimated from the character
 * count (`charWidth` x length), as vega does without a canvas.
 */
export function placeLabels(
  points: readonly LabelledPoint[],
  size: { readonly width: number; readonly height: number },
  font: { readonly fontSize: number; readonly charWidth: number },
  pointRadius = 5,
): PlacedLabel[] {
  const taken: Box[] = points.map((p) => ({ x0: p.px - pointRadius, y0: p.py - pointRadius, x1: p.px + pointRadius, y1: p.py + pointRadius }));
  const half = font.fontSize / 2 + 1;
  return points.map((p) => {
    const width = p.text.length * font.charWidth;
    let best: { box: Box; spot: (typeof CANDIDATES)[number]; cost: number } | undefined;
    for (const spot of CANDIDATES) {
      const ax = p.px + spot.dx;
      const ay = p.py + spot.dy;
      const x0 = spot.align === 'left' ? ax : spot.align === 'right' ? ax - width : ax - width / 2;
      const box = { x0, y0: ay - half, x1: x0 + width, y1: ay + half };
      const outside =
        Math.max(0, -box.x0) + Math.max(0, box.x1 - size.width) + Math.max(0, -box.y0) + Math.max(0, box.y1 - size.height);
      let cost = outside * font.fontSize * 4;
      for (const other of taken) cost += overlapArea(box, other);
      if (!best || cost < best.cost) best = { box, spot, cost };
      if (cost === 0) break;
    }
    taken.push(best!.box);
    return { x: p.px + best!.spot.dx, y: p.py + best!.spot.dy, align: best!.spot.align, overlaps: best!.cost > 0 };
  });
}
