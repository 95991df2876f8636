#!/usr/bin/env python3
"""Writes tests/fixtures/pool/linkage-partitions.json: seeded inputs and SciPy's reference partitions.

For every case and linkage (ward/average/complete/single) the expected partition is
scipy.cluster.hierarchy.fcluster(linkage(pdist(X, "cosine"), method), k, "maxclust"), plus the sorted merge
heights (Z[:, 2]) so the TypeScript NN-chain can be checked merge by merge. Inputs are float32 values written in
their shortest float32 decimal form, re-parsed before SciPy sees them, so both sides cluster identical numbers.
A k whose cut falls on tied merge heights (SciPy then returns fewer than k clusters) is left out.

Run: python3 scripts/make-pool-fixtures.py   (numpy + scipy; deterministic)
"""
import json
import os

import numpy as np
import scipy
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

METHODS = ["ward", "average", "complete", "single"]
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "pool", "linkage-partitions.json")


def make_points(rng, kind, n, dim):
    if kind == "uniform":
        x = rng.uniform(-1.0, 1.0, size=(n, dim))
    elif kind == "gaussian":
        x = rng.standard_normal((n, dim))
    elif kind == "clustered":
        centres = rng.standard_normal((max(2, n // 8), dim)) * 3.0
        x = centres[rng.integers(0, len(centres), size=n)] + rng.standard_normal((n, dim)) * 0.4
    elif kind == "duplicates":
        # A few exact duplicate rows: zero distances tie at height 0; cuts on those ties are skipped below.
        x = rng.standard_normal((n, dim))
        for _ in range(max(1, n // 10)):
            a, b = rng.integers(0, n, size=2)
            x[b] = x[a]
    elif kind == "unit":
        x = rng.standard_normal((n, dim))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    else:
        raise ValueError(kind)
    return x.astype(np.float32)


def float32_text(v):
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def main():
    rng = np.random.default_rng(20240611)
    specs = [
        ("uniform", 2, 3), ("uniform", 3, 4), ("gaussian", 5, 3), ("uniform", 7, 4), ("gaussian", 12, 8),
        ("clustered", 20, 8), ("duplicates", 20, 6), ("unit", 31, 16), ("clustered", 48, 16),
        ("gaussian", 64, 32), ("duplicates", 60, 12), ("unit", 100, 24), ("clustered", 150, 32),
        ("unit", 150, 100),
    ]
    cases = []
    for idx, (kind, n, dim) in enumerate(specs):
        x32 = make_points(rng, kind, n, dim)
        text_rows = [[float32_text(v) for v in row] for row in x32]
        # What the TypeScript side reads: the decimal text, rounded to float32.
        x = np.array([[float(t) for t in row] for row in text_rows], dtype=np.float32).astype(np.float64)
        assert np.array_equal(x, x32.astype(np.float64))
        d = pdist(x, "cosine")
        ks = sorted({1, 2, 3, max(1, n // 4), max(1, n // 3), max(1, n // 2), max(1, n - 1), n})
        ks = [k for k in ks if 1 <= k <= n]
        expected = {}
        for method in METHODS:
            z = linkage(d, method)
            heights = z[:, 2]
            parts = {}
            for k in ks:
                labels = fcluster(z, k, "maxclust")
                if len(set(labels.tolist())) != k:
                    continue  # tie at the cut: maxclust cannot give exactly k clusters
                if 1 < k < n and abs(heights[n - k] - heights[n - k - 1]) <= 1e-9 * max(1.0, heights[n - k]):
                    continue  # near-tie: float rounding order could legitimately flip the cut
                parts[str(k)] = [int(v) for v in labels]
            expected[method] = {"heights": [float(h) for h in heights], "partitions": parts}
        cases.append({"name": f"{idx:02d}-{kind}-n{n}-d{dim}", "n": n, "dim": dim,
                      "rows": "ROWS_PLACEHOLDER_%d" % idx, "expected": expected})
        cases[-1]["_rows_text"] = text_rows

    # Hand-write the rows as raw float32 decimal text (json.dumps would print the float64 expansion).
    parts = []
    for case in cases:
        rows_text = case.pop("_rows_text")
        rows_json = "[" + ",".join("[" + ",".join(r) + "]" for r in rows_text) + "]"
        parts.append((json.dumps(case, separators=(",", ":")), case["rows"], rows_json))
    body = ",\n".join(js.replace(json.dumps(ph), rj) for js, ph, rj in parts)
    header = {"generator": "scripts/make-pool-fixtures.py", "scipy": scipy.__version__, "numpy": np.__version__,
              "metric": "cosine", "criterion": "maxclust"}
    text = json.dumps(header, separators=(",", ":"))[:-1] + ',"cases":[\n' + body + "\n]}\n"
    json.loads(text)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
