import { describe, expect, it } from 'vitest';
import { defaultSearchMode, resolveSearchMode, searchDefaults, type SearchDefaultsSource } from '../../src/search/index.js';

const index = (kind: 'static' | 'onnx' | 'precomputed', sparse?: 'bm25' | 'learned' | 'none'): SearchDefaultsSource => ({
  manifest: { encoder: { kind }, ...(sparse && { sparse: { mode: sparse } }) },
});

describe('searchDefaults', () => {
  it('is hybrid for the context-free encoder with BM25 postings and late everywhere else', () => {
    expect(defaultSearchMode(index('static', 'bm25'))).toBe('hybrid');
    expect(defaultSearchMode(index('static', 'none'))).toBe('late');
    expect(defaultSearchMode(index('static', 'learned'))).toBe('late');
    expect(defaultSearchMode(index('static'))).toBe('late');
    for (const sparse of ['bm25', 'learned', 'none'] as const) {
      expect(defaultSearchMode(index('onnx', sparse))).toBe('late');
      expect(defaultSearchMode(index('precomputed', sparse))).toBe('late');
    }
  });

  it('keeps fusion settings per encoder kind: the SciFact-train choice for the static encoder, equal weights otherwise', () => {
    expect(searchDefaults(index('static', 'bm25'))).toMatchObject({ fusion: { method: 'zscore', lateWeight: 0.25 }, sparseDepth: 500 });
    expect(searchDefaults(index('static', 'none')).fusion.lateWeight).toBe(0.25);
    expect(searchDefaults(index('onnx', 'bm25'))).toMatchObject({ fusion: { method: 'zscore', lateWeight: 0.5 }, sparseDepth: 500 });
    expect(searchDefaults(index('precomputed', 'bm25')).fusion.lateWeight).toBe(0.5);
  });
});

describe('resolveSearchMode', () => {
  const text = { text: 'glacier ice' };
  it('returns the requested mode whatever the query', () => {
    expect(resolveSearchMode(index('static', 'bm25'), 'late', text)).toBe('late');
    expect(resolveSearchMode(index('onnx', 'bm25'), 'hybrid', text)).toBe('hybrid');
    expect(resolveSearchMode(index('onnx', 'none'), 'sparse', { vectors: [] })).toBe('sparse');
  });

  it("otherwise runs the index's default for a text query", () => {
    expect(resolveSearchMode(index('static', 'bm25'), undefined, text)).toBe('hybrid');
    expect(resolveSearchMode(index('static', 'none'), undefined, text)).toBe('late');
    expect(resolveSearchMode(index('onnx', 'bm25'), undefined, text)).toBe('late');
  });

  it('restricts the default to the sides the query gives', () => {
    // Vectors alone cannot feed BM25; sparse weights alone cannot feed MaxSim; weights with a dense side use both.
    expect(resolveSearchMode(index('static', 'bm25'), undefined, { vectors: [] })).toBe('late');
    expect(resolveSearchMode(index('static', 'bm25'), undefined, { sparse: { ice: 1 } })).toBe('sparse');
    expect(resolveSearchMode(index('precomputed', 'learned'), undefined, { vectors: [], sparse: { ice: 1 } })).toBe('hybrid');
    expect(resolveSearchMode(index('onnx', 'bm25'), undefined, { text: 'ice', sparse: { ice: 1 } })).toBe('hybrid');
  });
});
