import { InputError } from '../shared/errors.js';
import type { MultiVector } from '../shared/multivector.js';
import { ClusterMerger, protectedCount } from './rows.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Int32Scratch } from './workspace.js';

export type SpatialLayout = '1d' | '2d';

/**
 * `spatial1d:<f>` / `spatial2d:<f>` (Light-ColPali spatial pooling): averages neighbouring image patches.
 * With a grid [rows, cols] (`ctx.grid`, else `doc.grid`), the patches are the rows right after the protected
 * ones, in row-major order: 1d pools runs of f patches along each grid row, 2d pools f x f windows (edge
 * windows are smaller); rows after the grid (e.g. trailing special tokens) stay as singletons.
 * Without a grid the rows are treated as a sequence: 1d pools runs of f consecutive rows, 2d runs of f*f.
 * A grid larger than the document is an InputError.
 */
export class SpatialPooler implements TokenReducer {
  readonly merges = true;
  readonly spec: string;
  private readonly merger = new ClusterMerger();
  private readonly labels = new Int32Scratch();

  constructor(
    readonly layout: SpatialLayout,
    readonly factor: number,
    readonly renormalize: boolean,
  ) {
    this.spec = `spatial${layout}:${factor}${renormalize ? '' : ':raw'}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const p = protectedCount(doc, ctx.protectedLeadingTokens);
    const m = doc.count - p;
    if (m <= 1 || this.factor <= 1) return doc;
    const f = this.factor;
    const labels = this.labels.take(m);
    const grid = ctx.grid ?? doc.grid;
    let clusters = 0;
    if (grid) {
      const [rows, cols] = grid;
      const patches = rows * cols;
      if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0) || patches > m) {
        throw new InputError(
          `grid ${rows}x${cols} needs ${patches} patch rows after ${p} protected rows, but the document has ${m}`,
          undefined,
          'grid',
        );
      }
      const blockRows = this.layout === '2d' ? f : 1;
      const blockCols = Math.ceil(cols / f);
      const blocksPerBand = blockCols;
      for (let r = 0; r < rows; r++) {
        const band = Math.floor(r / blockRows);
        for (let c = 0; c < cols; c++) labels[r * cols + c] = band * blocksPerBand + Math.floor(c / f);
      }
      clusters = Math.ceil(rows / blockRows) * blocksPerBand;
      for (let i = patches; i < m; i++) labels[i] = clusters++;
    } else {
      const run = this.layout === '2d' ? f * f : f;
      for (let i = 0; i < m; i++) labels[i] = Math.floor(i / run);
      clusters = Math.ceil(m / run);
    }
    if (clusters >= m) return doc;
    return this.merger.merge(doc, p, labels, clusters, this.renormalize);
  }
}
