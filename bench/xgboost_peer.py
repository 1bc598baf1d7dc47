#!/usr/bin/python3
"""Peer for `financelake bench fraud`: the same XGBoost model scoring the same encoded matrix
from Python (Debian's python3-xgboost, inplace_predict, one thread), best of --repeat runs.
Prints one JSON line: seconds, rows, and the largest difference from our scores."""
import argparse
import json
import time

import numpy as np
import xgboost as xgb

ap = argparse.ArgumentParser()
ap.add_argument("--model", required=True)
ap.add_argument("--matrix", required=True, help="raw float32, row-major")
ap.add_argument("--cols", type=int, required=True)
ap.add_argument("--ours", required=True, help="our scores, raw float64")
ap.add_argument("--repeat", type=int, default=3)
a = ap.parse_args()

booster = xgb.Booster(model_file=a.model)
booster.set_param({"nthread": 1})
x = np.fromfile(a.matrix, dtype=np.float32).reshape(-1, a.cols)
best = float("inf")
for _ in range(a.repeat):
    t0 = time.perf_counter()
    p = booster.inplace_predict(x, missing=np.nan)
    best = min(best, time.perf_counter() - t0)
ours = np.fromfile(a.ours, dtype=np.float64)
print(json.dumps({"seconds": best, "rows": int(x.shape[0]),
                  "max_abs_diff": float(np.max(np.abs(ours - p.astype(np.float64))))}))
