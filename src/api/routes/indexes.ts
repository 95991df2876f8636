import { Router } from 'express';
import { indexDiskBytes, reductionStepCounts, tokenVectorStats, type TokenVectorStats } from '../../index/index.js';
import { defaultSearchMode } from '../../search/index.js';
import type { IndexRegistry, ServedIndex } from '../index-registry.js';
import type { IndexInfo } from '../schemas.js';

/** `GET /v1/indexes` and `GET /v1/indexes/{name}`: sizes, reduction, encoder and format of each served index. */
export function indexRoutes(registry: IndexRegistry): Router {
  const router = Router();
  router.get('/v1/indexes', async (_req, res) => {
    res.json({ indexes: await Promise.all(registry.list().map((served) => describeIndex(served))) });
  });
  router.get('/v1/indexes/:name', async (req, res) => {
    res.json(await describeIndex(registry.get(req.params.name)));
  });
  return router;
}

export async function describeIndex(served: ServedIndex): Promise<IndexInfo> {
  const { manifest } = served.index;
  const { documents, vectors, vectorBytes } = manifest.counts;
  const sparse = manifest.sparse ?? { mode: 'none' as const };
  const drift = served.index.codec.drift();
  return {
    name: served.name,
    documents,
    vectors,
    vectors_per_document: documents === 0 ? 0 : round(vectors / documents),
    bytes: vectorBytes,
    bytes_per_document: documents === 0 ? 0 : round(vectorBytes / documents),
    disk_bytes: await indexDiskBytes(served.dir),
    reduction: manifest.reduction,
    quantization: manifest.quantization,
    exact_match_recovery: manifest.exactMatchRecovery === true,
    ...(manifest.counts.exactTokenBytes !== undefined && { exact_token_bytes: manifest.counts.exactTokenBytes }),
    ...tokenVectorInfo(tokenVectorStats(served.index.inspect().tokenVectors)),
    reduction_steps: reductionStepCounts(manifest.reduction, served.index.stepCounts()),
    sparse: {
      mode: sparse.mode,
      ...(sparse.blockSize !== undefined && { block_size: sparse.blockSize }),
      ...(sparse.k1 !== undefined && { k1: sparse.k1 }),
      ...(sparse.b !== undefined && { b: sparse.b }),
    },
    ...(drift && {
      codec: {
        state_bytes: served.index.codec.stateBytes(),
        centroids: drift.training.centroids,
        train_vectors: drift.training.trainVectors,
        held_out_cosine: drift.training.meanCosine,
        drift_ratio: drift.errorRatio,
        retrain_advised: drift.retrainAdvised,
      },
    }),
    encoder: { ...manifest.encoder },
    format_version: manifest.formatVersion,
    read_only: served.readOnly,
    modes: [...served.modes],
    default_mode: defaultSearchMode(served.index),
    created_at: manifest.createdAt,
    updated_at: manifest.updatedAt,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function tokenVectorInfo(stats: TokenVectorStats): Pick<IndexInfo, 'layout' | 'distinct_vectors' | 'centroids'> {
  const c = stats.centroids;
  return {
    layout: stats.layout,
    ...(stats.distinctVectors !== undefined && { distinct_vectors: stats.distinctVectors }),
    ...(c !== undefined && {
      centroids: { centroids: c.centroids, cells: c.cells, lists: c.lists, postings: c.postings, largest_list: c.largestList, list_bytes: c.listBytes },
    }),
  };
}
