"""The statistics the reader tests expect of a fixture tensor, computed with NumPy over
its finite values in float64 (population std), as analysis/numeric/tensor_decode.h
defines them. Shared by the .npy and safetensors fixture writers."""
import numpy as np


def stats(v):
    v = np.asarray(v, dtype=np.float64).ravel()
    fin = v[np.isfinite(v)]
    s = {"numel": int(v.size), "n_finite": int(fin.size),
         "n_nonfinite": int(v.size - fin.size),
         "min": 0.0, "max": 0.0, "mean": 0.0, "std": 0.0, "absmax": 0.0}
    if fin.size:
        s.update(min=float(fin.min()), max=float(fin.max()), mean=float(np.mean(fin)),
                 std=float(np.std(fin)), absmax=float(np.abs(fin).max()))
    return s
