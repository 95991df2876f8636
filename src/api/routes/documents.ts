import { Router } from 'express';
import { toDocumentRecord } from '../../index/index.js';
import { InputError, type DocumentRecord } from '../../shared/index.js';
import type { IndexRegistry, ServedIndex } from '../index-registry.js';
import { HttpError, type ProblemIssue } from '../problem.js';
import { DeleteRequestSchema, UpsertRequestSchema, type StoredDocumentJson } from '../schemas.js';
import { parseBody } from '../validate.js';

/**
 * `POST /v1/indexes/{name}/documents` (upsert a batch) and `DELETE /v1/indexes/{name}/documents` (`{"ids"}`).
 * Both go through the index's write queue; the response is sent only after the LMDB transaction committed.
 * `GET /v1/indexes/{name}/documents/{id}` reads one stored document (the id percent-encoded).
 */
export function documentRoutes(registry: IndexRegistry): Router {
  const router = Router();
  router.get('/v1/indexes/:name/documents/:id', (req, res) => {
    const { index } = registry.get(req.params.name);
    const internalId = index.getInternalId(req.params.id);
    const doc = internalId === undefined ? undefined : index.getDocument(internalId);
    if (internalId === undefined || doc === undefined) {
      throw new HttpError('document_not_found', `index "${req.params.name}" holds no document with id ${JSON.stringify(req.params.id)}`);
    }
    const body: StoredDocumentJson = {
      id: doc.id,
      ...(doc.title !== undefined && { title: doc.title }),
      ...(doc.text !== undefined && { text: doc.text }),
      metadata: doc.metadata ?? {},
      vectors: index.vectorCount(internalId) ?? 0,
    };
    res.json(body);
  });
  router.post('/v1/indexes/:name/documents', async (req, res) => {
    const served = writable(registry.get(req.params.name));
    const body = parseBody(UpsertRequestSchema, req.body, 'upsert request');
    const records = toRecords(served, body.documents);
    const result = await served.writes.run(() => served.builder.addBatch(records));
    const limit = served.encoder.documentTokenLimit;
    res.json({
      inserted: result.inserted,
      updated: result.updated,
      vectors: result.vectors,
      documents: served.index.counts().documents,
      ...(result.truncated.length > 0 && limit !== undefined && { truncated: { limit, documents: result.truncated } }),
    });
  });
  router.delete('/v1/indexes/:name/documents', async (req, res) => {
    const served = writable(registry.get(req.params.name));
    const body = parseBody(DeleteRequestSchema, req.body, 'delete request');
    const result = await served.writes.run(() => served.index.delete(body.ids));
    res.json({ deleted: result.deleted, missing: result.missing, documents: served.index.counts().documents });
  });
  return router;
}

function writable(served: ServedIndex): ServedIndex {
  if (served.readOnly) throw new HttpError('read_only', `index "${served.name}" is served read-only; upserts and deletes are refused`);
  return served;
}

/**
 * The corpus reader's record validation for each document, plus the checks that depend on the index: embedding
 * dim, and embeddings being required by an index of precomputed vectors. Every failing document is reported.
 */
function toRecords(served: ServedIndex, documents: readonly unknown[]): DocumentRecord[] {
  const issues: ProblemIssue[] = [];
  const records: DocumentRecord[] = [];
  const dim = served.index.dim;
  const precomputedOnly = served.index.manifest.encoder.kind === 'precomputed';
  documents.forEach((value, i) => {
    const at = `documents[${i}]`;
    try {
      const record = toDocumentRecord(value);
      if (record.embeddings) {
        const rowLength = record.embeddings.length / record.embeddingCount!;
        if (rowLength !== dim) {
          issues.push({ path: `${at}.embeddings`, message: `document "${record.id}": rows have ${rowLength} values, the index stores dim ${dim}`, code: 'dimension_mismatch' });
          return;
        }
      } else if (precomputedOnly) {
        issues.push({ path: `${at}.embeddings`, message: `document "${record.id}": this index stores precomputed embeddings, the document has none`, code: 'missing_embeddings' });
        return;
      }
      records.push(record);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      issues.push({ path: err.field ? `${at}.${err.field}` : at, message: err.message, code: err.code });
    }
  });
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new HttpError('invalid_document', `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, {
      issues,
    });
  }
  return records;
}
