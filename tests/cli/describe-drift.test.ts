import { describe, expect, it } from 'vitest';
import { describeDrift } from '../../src/cli/describe-drift.js';
import { driftReport } from '../../src/index/index.js';

describe('describeDrift', () => {
  const training = { sampleVectors: 5000, trainVectors: 4096, heldOutVectors: 904, centroids: 256, meanSquaredError: 0.02, meanCosine: 0.98 };

  it('reports the added vectors against the training figure, without advice under the threshold', () => {
    // 1000 vectors, squared error 22 in total (0.022 each = 1.10x), cosine 980 in total (0.98 each).
    const report = driftReport(training, { vectors: 1000, squaredError: 22, cosine: 980 });
    expect(describeDrift('residual:2', report)).toBe(
      'residual:2: the 1000 vectors stored reconstruct with cosine 0.9800, squared error 0.0220 = 1.10x the ' +
        'training figure (0.0200)',
    );
  });

  it('advises a rebuild above 1.5x the training error', () => {
    const report = driftReport(training, { vectors: 1000, squaredError: 40, cosine: 900 });
    expect(describeDrift('residual:4', report)).toBe(
      'residual:4: the 1000 vectors stored reconstruct with cosine 0.9000, squared error 0.0400 = 2.00x the ' +
        'training figure (0.0200); above 1.5x: the data has drifted from the codebook\'s sample. Rebuild with ' +
        '"lateindex index --overwrite" over the whole corpus to retrain it (stored codes cannot be re-encoded in place).',
    );
  });
});
