#!/usr/bin/env python3
"""Writes tests/fixtures/bundles/: small precomputed-embedding bundles exactly as numpy writes them.

- f16-int64/: embeddings.npy float16 (7, 4), doclens.npy int64 [3, 4], ids.txt, plus expected.json (the float32
  values numpy itself decodes, for the reader to match bit for bit);
- f32-int32/: float32 (5, 3), doclens int32 [2, 3];
- safetensors/: embeddings.safetensors holding "embeddings" F32 (5, 3) and "doclens" I32 [2, 3] (written with
  struct by the safetensors layout: u64 header length, JSON header, data), ids.txt.
Run: python3 scripts/make-bundle-fixtures.py   (numpy; deterministic)
"""
import json
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "bundles")


def write_ids(folder, ids):
    with open(os.path.join(folder, "ids.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(ids) + "\n")


def main():
    rng = np.random.default_rng(7)
    folder = os.path.join(ROOT, "f16-int64")
    os.makedirs(folder, exist_ok=True)
    emb = rng.standard_normal((7, 4)).astype(np.float16)
    np.save(os.path.join(folder, "embeddings.npy"), emb)
    np.save(os.path.join(folder, "doclens.npy"), np.array([3, 4], dtype=np.int64))
    write_ids(folder, ["doc-a", "dóc-b"])
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"rows": emb.astype(np.float32).tolist()}, f)

    folder = os.path.join(ROOT, "f32-int32")
    os.makedirs(folder, exist_ok=True)
    emb32 = rng.standard_normal((5, 3)).astype(np.float32)
    np.save(os.path.join(folder, "embeddings.npy"), emb32)
    np.save(os.path.join(folder, "doclens.npy"), np.array([2, 3], dtype=np.int32))
    write_ids(folder, ["x", "y"])
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"rows": emb32.tolist()}, f)

    folder = os.path.join(ROOT, "safetensors")
    os.makedirs(folder, exist_ok=True)
    lens = np.array([2, 3], dtype=np.int32)
    header = {
        "__metadata__": {"format": "pt"},
        "embeddings": {"dtype": "F32", "shape": [5, 3], "data_offsets": [0, emb32.nbytes]},
        "doclens": {"dtype": "I32", "shape": [2], "data_offsets": [emb32.nbytes, emb32.nbytes + lens.nbytes]},
    }
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(folder, "embeddings.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(emb32.tobytes())
        f.write(lens.tobytes())
    write_ids(folder, ["x", "y"])
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"rows": emb32.tolist()}, f)


if __name__ == "__main__":
    main()
