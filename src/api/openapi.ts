import { z } from 'zod';
import {
  DeleteRequestSchema,
  DeleteResponseSchema,
  HealthSchema,
  IndexInfoSchema,
  IndexListSchema,
  ProblemSchema,
  SearchRequestSchema,
  SearchResponseSchema,
  StoredDocumentSchema,
  SweepListSchema,
  SweepReportSchema,
  UpsertRequestSchema,
  UpsertResponseSchema,
} from './schemas.js';

type JsonObject = Record<string, unknown>;

/** Request schemas describe what clients may send (defaults make fields optional); responses what they get. */
function requestSchema(schema: z.ZodType): JsonObject {
  return strip(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject);
}

function responseSchema(schema: z.ZodType): JsonObject {
  return strip(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonObject);
}

/** Component schemas sit inside the OpenAPI document, which declares the dialect once. */
function strip(schema: JsonObject): JsonObject {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const json = (ref: string, description = 'OK') => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const body = (ref: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const nameParameter = {
  name: 'name',
  in: 'path',
  required: true,
  description: "the index name (its directory's basename)",
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
};

const commonErrors = {
  '401': problem('missing or invalid API key'),
  '503': problem('not ready yet (indexes opening) or shutting down'),
};

/** The OpenAPI 3.1 description of the REST API, generated from the schemas the routes validate with. */
export function openApiDocument(version: string): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'lateindex REST API',
      version,
      description: 'Multi-vector late-interaction retrieval: search, upsert and delete documents in served indexes.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'LATEINDEX_API_KEY, when the server sets one' } },
      schemas: {
        SearchRequest: requestSchema(SearchRequestSchema),
        SearchResponse: responseSchema(SearchResponseSchema),
        UpsertRequest: requestSchema(UpsertRequestSchema),
        UpsertResponse: responseSchema(UpsertResponseSchema),
        DeleteRequest: requestSchema(DeleteRequestSchema),
        DeleteResponse: responseSchema(DeleteResponseSchema),
        IndexInfo: responseSchema(IndexInfoSchema),
        IndexList: responseSchema(IndexListSchema),
        StoredDocument: responseSchema(StoredDocumentSchema),
        SweepList: responseSchema(SweepListSchema),
        SweepReport: responseSchema(SweepReportSchema),
        Health: responseSchema(HealthSchema),
        Problem: responseSchema(ProblemSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/livez': { get: { summary: 'liveness', security: [], responses: { '200': json('Health') } } },
      '/readyz': {
        get: { summary: 'readiness: every index is open', security: [], responses: { '200': json('Health'), '503': json('Health', 'not ready') } },
      },
      '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1 document' }, ...commonErrors } } },
      '/v1/indexes': { get: { summary: 'list served indexes', responses: { '200': json('IndexList'), ...commonErrors } } },
      '/v1/indexes/{name}': {
        get: {
          summary: 'describe one index',
          parameters: [nameParameter],
          responses: { '200': json('IndexInfo'), '404': problem('unknown index'), ...commonErrors },
        },
      },
      '/v1/indexes/{name}/search': {
        post: {
          summary: 'search with one query, a batch of queries or precomputed query vectors',
          parameters: [nameParameter],
          requestBody: body('SearchRequest'),
          responses: {
            '200': json('SearchResponse'),
            '400': problem('invalid request (see issues)'),
            '404': problem('unknown index'),
            '413': problem('body too large'),
            '415': problem('body is not JSON'),
            ...commonErrors,
          },
        },
      },
      '/v1/indexes/{name}/documents/{id}': {
        get: {
          summary: 'read one stored document by id (percent-encoded)',
          parameters: [nameParameter, { name: 'id', in: 'path', required: true, description: 'the external document id', schema: { type: 'string' } }],
          responses: { '200': json('StoredDocument'), '404': problem('unknown index or document'), ...commonErrors },
        },
      },
      '/v1/sweeps': {
        get: { summary: 'list the sweep reports found under --sweeps', responses: { '200': json('SweepList'), ...commonErrors } },
      },
      '/v1/sweeps/{id}': {
        get: {
          summary: "one sweep's report.json",
          parameters: [{ name: 'id', in: 'path', required: true, description: 'a sweep id from GET /v1/sweeps, percent-encoded', schema: { type: 'string' } }],
          responses: { '200': json('SweepReport'), '404': problem('unknown sweep'), ...commonErrors },
        },
      },
      '/v1/sweeps/{id}/charts/{chart}': {
        get: {
          summary: "a sweep chart: {vega_lite, vega}, the Vega-Lite spec lateindex sweep renders (with tooltips) and the Vega spec it compiles to",
          parameters: [
            { name: 'id', in: 'path', required: true, description: 'a sweep id from GET /v1/sweeps, percent-encoded', schema: { type: 'string' } },
            { name: 'chart', in: 'path', required: true, schema: { type: 'string', enum: ['ndcg-vs-storage', 'latency-vs-storage'] } },
          ],
          responses: { '200': { description: '{"vega_lite": Vega-Lite v6 spec, "vega": Vega v6 spec}' }, '404': problem('unknown sweep or chart'), ...commonErrors },
        },
      },
      '/v1/indexes/{name}/documents': {
        post: {
          summary: 'upsert a batch of documents (committed before the response)',
          parameters: [nameParameter],
          requestBody: body('UpsertRequest'),
          responses: {
            '200': json('UpsertResponse'),
            '400': problem('invalid request or document (see issues)'),
            '404': problem('unknown index'),
            '409': problem('the index is served read-only'),
            '413': problem('body too large'),
            '415': problem('body is not JSON'),
            '429': problem('the index write queue is full; retry after Retry-After seconds'),
            ...commonErrors,
          },
        },
        delete: {
          summary: 'delete documents by id (committed before the response)',
          parameters: [nameParameter],
          requestBody: body('DeleteRequest'),
          responses: {
            '200': json('DeleteResponse'),
            '400': problem('invalid request (see issues)'),
            '404': problem('unknown index'),
            '409': problem('the index is served read-only'),
            '429': problem('the index write queue is full'),
            ...commonErrors,
          },
        },
      },
    },
  };
}
