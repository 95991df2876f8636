import { describe, expect, it } from 'vitest';
import { placeLabels } from '../../src/eval/sweep/index.js';

const FONT = { fontSize: 10, charWidth: 6 };
const SIZE = { width: 300, height: 200 };

describe('placeLabels', () => {
  it('puts a lone label right of its point', () => {
    expect(placeLabels([{ px: 100, py: 100, text: 'abcde' }], SIZE, FONT)).toEqual([{ x: 108, y: 100, align: 'left', overlaps: false }]);
  });

  it('moves a label left when the right side would leave the plot', () => {
    // 10 chars x 6 px = 60 px: right of x = 280 would end at 348 > 300.
    expect(placeLabels([{ px: 280, py: 100, text: 'abcdefghij' }], SIZE, FONT)).toEqual([{ x: 272, y: 100, align: 'right', overlaps: false }]);
  });

  it('keeps labels of two close points off both points and each other', () => {
    const placed = placeLabels(
      [
        { px: 100, py: 100, text: 'first' },
        { px: 104, py: 102, text: 'second' },
      ],
      SIZE,
      FONT,
    );
    // Points occupy 95..105 x 95..105 and 99..109 x 97..107. The first label's right spot (108..138 x 94..106)
    // covers the second point, so it goes left (62..92); the second label fits right of its point (112..148).
    expect(placed[0]).toEqual({ x: 92, y: 100, align: 'right', overlaps: false });
    expect(placed[1]).toEqual({ x: 112, y: 102, align: 'left', overlaps: false });
  });

  it('reports overlap when no spot is free', () => {
    const crowd = Array.from({ length: 14 }, (_, i) => ({ px: 20, py: 20, text: `label-${i}` }));
    const placed = placeLabels(crowd, { width: 60, height: 40 }, FONT);
    expect(placed.some((p) => p.overlaps)).toBe(true);
  });
});
