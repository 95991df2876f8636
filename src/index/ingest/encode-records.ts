import type { Encoder } from '../../encode/index.js';
import { InputError, documentText, multiVector, normalizeRows, type DocumentRecord, type MultiVector } from '../../shared/index.js';

/**
 * The encoder output for each record (`vectors[i]` belongs to `records[i]`): text records go through the encoder
 * in one call, records with precomputed embeddings are taken as given, rows unit-normalised, their dimension
 * checked against the index's `dim`.
 */
export async function encodeRecords(records: readonly DocumentRecord[], encoder: Pick<Encoder, 'encodeDocuments'>, dim: number): Promise<MultiVector[]> {
  const out = new Array<MultiVector>(records.length);
  const textSlots: number[] = [];
  const texts: string[] = [];
  records.forEach((record, i) => {
    if (record.embeddings) {
      out[i] = precomputedVectors(record, dim);
    } else {
      textSlots.push(i);
      texts.push(documentText(record));
    }
  });
  if (texts.length > 0) {
    const vectors = await encoder.encodeDocuments(texts);
    textSlots.forEach((slot, j) => {
      out[slot] = vectors[j]!;
    });
  }
  return out;
}

function precomputedVectors(record: DocumentRecord, dim: number): MultiVector {
  const data = record.embeddings!;
  const count = record.embeddingCount ?? data.length / dim;
  if (data.length !== count * dim) {
    throw new InputError(`document "${record.id}": embeddings have ${data.length / count} dimensions, the index has ${dim}`, record.source, 'embeddings');
  }
  return multiVector(normalizeRows(Float32Array.from(data), dim), dim, record.grid ? { grid: record.grid } : {});
}
