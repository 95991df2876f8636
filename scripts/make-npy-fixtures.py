#!/usr/bin/env python3
"""Writes tests/fixtures/npy/*.npy with numpy's own writer, for the .npy writer and reader tests (fixed files: the
header edge cases stay pinned whatever numpy version the test machine has).

The arrays are simple closed forms the TypeScript test recomputes: float32 (3, 128) = i / 7 rounded to float32,
float16 (2, 4) = (i - 3) / 8 (exact in float16), int32 (5,) = [60, 140, 99, 0, -5], and float32 [1.5, -2] of shape
(2, 1 x 35), whose header dict ends exactly on a 64-byte boundary (numpy then pads a further 64 bytes).
Run: python3 scripts/make-npy-fixtures.py   (numpy; deterministic)
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "npy")
os.makedirs(OUT, exist_ok=True)
np.save(os.path.join(OUT, "float32-3x128.npy"), (np.arange(3 * 128) / 7).astype(np.float32).reshape(3, 128))
np.save(os.path.join(OUT, "float16-2x4.npy"), ((np.arange(8) - 3) / 8).astype(np.float16).reshape(2, 4))
np.save(os.path.join(OUT, "int32-5.npy"), np.array([60, 140, 99, 0, -5], dtype=np.int32))
np.save(os.path.join(OUT, "float32-aligned.npy"), np.array([1.5, -2], dtype=np.float32).reshape((2,) + (1,) * 35))
print("numpy", np.__version__, "->", os.path.normpath(OUT))
