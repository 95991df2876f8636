import { describe, expect, it } from 'vitest';
import { HierarchicalPooler, parseReductionSpec } from '../../src/pool/index.js';
import { representedTokens, withSourceRows, type MultiVector } from '../../src/shared/index.js';
import { modalDoc, randomUnitDoc } from './helpers.js';

const CTX = { protectedLeadingTokens: 0, seed: 42, idf: (t: string) => t.length };

/** A document whose row i has token `w<i % distinct>` (so some tokens repeat). */
function tokenDoc(doc: MultiVector, distinct: number): MultiVector {
  return { ...doc, tokens: Array.from({ length: doc.count }, (_, i) => `w${i % distinct}`) };
}

const sorted = (tokens: Iterable<string> | undefined) => [...(tokens ?? [])].sort();

describe('member tokens through reduction', () => {
  it('ward:2 lists, per pooled row, the distinct tokens of exactly the rows its cluster merged', () => {
    const doc = tokenDoc(modalDoc(24, 8, 5, 0.2, 3), 9);
    const pooled = parseReductionSpec('ward:2').apply(doc, CTX).vectors;
    // Independent partition: the same linkage, cut by hand, labels numbered by first appearance.
    const labels = new HierarchicalPooler('ward', 2, true).partition(doc.data, doc.dim, 0, doc.count, 12);
    const expected: string[][] = Array.from({ length: 12 }, () => []);
    for (let i = 0; i < doc.count; i++) {
      const group = expected[labels[i]!]!;
      if (!group.includes(doc.tokens![i]!)) group.push(doc.tokens![i]!);
    }
    expect(pooled.count).toBe(12);
    expect(pooled.memberTokens!.map((m) => [...m])).toEqual(expected);
    expect(sorted(representedTokens(pooled))).toEqual(sorted(new Set(doc.tokens)));
  });

  it('a pooler never loses a token; a pruner after it keeps only the members of the rows it keeps', () => {
    const doc = tokenDoc(randomUnitDoc(30, 6, 11), 30);
    for (const spec of ['average:3', 'complete:2', 'single:4', 'kmeans:5', 'kmeans:0.3', 'adaptive:0.4', 'lightcolpali:3']) {
      const reduced = parseReductionSpec(spec).apply(doc, CTX).vectors;
      expect(reduced.count, spec).toBeLessThan(doc.count);
      expect(sorted(representedTokens(reduced)), spec).toEqual(sorted(doc.tokens));
    }
    const pooled = parseReductionSpec('ward:3').apply(doc, CTX).vectors;
    const pruned = parseReductionSpec('ward:3,first:2').apply(doc, CTX).vectors;
    expect(pruned.count).toBe(2);
    expect(sorted(representedTokens(pruned))).toEqual(sorted([...pooled.memberTokens![0]!, ...pooled.memberTokens![1]!]));
  });

  it('pruners drop the tokens of the rows they drop; protected rows keep their own token', () => {
    const doc = { ...randomUnitDoc(6, 4, 2), tokens: ['[CLS]', 'the', 'cell', 'of', 'division', 'cell'] };
    expect(sorted(representedTokens(parseReductionSpec('skiplist').apply(doc, CTX).vectors))).toEqual(['[CLS]', 'cell', 'division']);
    const pooled = parseReductionSpec('ward:5').apply(doc, { ...CTX, protectedLeadingTokens: 1 }).vectors;
    expect(pooled.count).toBe(2);
    expect(pooled.memberTokens![0]).toEqual(['[CLS]']);
    expect(sorted(pooled.memberTokens![1])).toEqual(['cell', 'division', 'of', 'the']);
  });

  it('a pipeline merges exactly when one of its steps is a pooler', () => {
    for (const spec of ['ward:2', 'average:2', 'complete:2', 'single:2', 'kmeans:8', 'kmeans:0.5', 'lightcolpali:3', 'spatial1d:2', 'spatial2d:2', 'adaptive:0.3', 'skiplist,ward:2', 'ward:2,first:4']) {
      expect(parseReductionSpec(spec).merges, spec).toBe(true);
    }
    for (const spec of ['none', 'skiplist', 'first:8', 'idf-top:0.5', 'random:0.5', 'divprune:0.5', 'dart:0.5', 'skiplist,idf-top:0.5']) {
      expect(parseReductionSpec(spec).merges, spec).toBe(false);
    }
  });

  it('documents without tokens carry no member tokens', () => {
    const reduced = parseReductionSpec('ward:2').apply(randomUnitDoc(10, 4, 1), CTX).vectors;
    expect(reduced.memberTokens).toBeUndefined();
    expect(representedTokens(reduced)).toBeUndefined();
  });
});

describe('source rows through reduction', () => {
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  const row = (doc: MultiVector, r: number) => doc.data.subarray(r * doc.dim, (r + 1) * doc.dim);
  /** The normalised mean of `doc`'s rows `rows`, computed here in float64. */
  const normalizedMean = (doc: MultiVector, rows: readonly number[]) => {
    const sum = new Float64Array(doc.dim);
    for (const r of rows) row(doc, r).forEach((x, d) => (sum[d]! += x));
    const norm = Math.hypot(...sum);
    return Float32Array.from(sum, (x) => x / norm);
  };

  it('each pooled row is the normalised mean of exactly the unreduced rows it lists, and the rows partition the document', () => {
    const doc = withSourceRows(tokenDoc(randomUnitDoc(30, 6, 11), 30));
    for (const spec of ['ward:2', 'average:3', 'complete:2', 'single:4', 'kmeans:5', 'adaptive:0.4', 'lightcolpali:3', 'skiplist,ward:3', 'ward:2,ward:2']) {
      const reduced = parseReductionSpec(spec).apply(doc, CTX).vectors;
      const sources = reduced.sourceRows!;
      expect(sources, spec).toHaveLength(reduced.count);
      expect(sources.flat().sort((a, b) => a - b), spec).toEqual(Array.from({ length: doc.count }, (_, i) => i));
      sources.forEach((rows, r) => {
        expect([...rows], spec).toEqual([...rows].sort((a, b) => a - b));
        // ward:2,ward:2 averages means of means, so only single-step pipelines are compared with the plain mean.
        if (!spec.includes(',')) expect(dot(row(reduced, r), normalizedMean(doc, rows)), `${spec} row ${r}`).toBeCloseTo(1, 5);
        expect(sorted(reduced.memberTokens![r]), `${spec} row ${r}`).toEqual(sorted(new Set(rows.map((i) => doc.tokens![i]!))));
      });
    }
  });

  it('a pruned row names the one unreduced row it is, and protected rows keep their own', () => {
    const doc = withSourceRows({ ...randomUnitDoc(12, 4, 5), tokens: ['[CLS]', 'the', 'cell', 'of', 'division', 'cell', 'a', 'wall', 'is', 'thin', 'and', 'firm'] });
    for (const spec of ['skiplist', 'first:5', 'idf-top:0.5', 'random:0.5', 'divprune:0.5', 'dart:0.5']) {
      const reduced = parseReductionSpec(spec).apply(doc, { ...CTX, protectedLeadingTokens: 1 }).vectors;
      expect(reduced.sourceRows![0], spec).toEqual([0]);
      reduced.sourceRows!.forEach((rows, r) => {
        expect(rows, spec).toHaveLength(1);
        expect([...row(reduced, r)], spec).toEqual([...row(doc, rows[0]!)]);
        expect(reduced.tokens![r], spec).toBe(doc.tokens![rows[0]!]);
      });
    }
    const pooled = parseReductionSpec('ward:5').apply(doc, { ...CTX, protectedLeadingTokens: 1 }).vectors;
    expect(pooled.sourceRows![0]).toEqual([0]);
  });

  it('reduction without source rows adds none', () => {
    expect(parseReductionSpec('ward:2').apply(tokenDoc(randomUnitDoc(10, 4, 1), 5), CTX).vectors.sourceRows).toBeUndefined();
  });
});
