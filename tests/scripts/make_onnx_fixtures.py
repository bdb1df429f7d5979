#!/usr/bin/env python3
"""Writes the ONNX fixtures of test_onnx.cpp into tests/data with the onnx package
(Debian's python3-onnx, needed only to regenerate them) and the values each initializer
must decode to in onnx_expected.json (from onnx.numpy_helper.to_array, the reference).

  onnx_raw.onnx       raw_data initializers: FLOAT, FLOAT16, BFLOAT16, INT64, INT8, DOUBLE
  onnx_typed.onnx     typed fields: float_data, int32_data (INT32, FLOAT16 bits, INT8,
                      BOOL), int64_data, double_data; plus a UINT32 and a STRING tensor,
                      which QuantScope skips, and an empty tensor
  onnx_external.onnx  + onnx_external.bin: two initializers in an external data file
Run: /usr/bin/python3 tests/scripts/make_onnx_fixtures.py tests/data
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(inits, name):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], name, [x], [y], initializer=inits)
    m = helper.make_model(graph, producer_name="quantscope-fixture", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    helper.set_model_props(m, {"purpose": "test"})
    return m


def bf16_tensor(name, values):
    bits = (np.asarray(values, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    t = TensorProto(name=name, data_type=TensorProto.BFLOAT16, dims=[len(values)])
    t.raw_data = bits.tobytes()
    return t, (bits.astype(np.uint32) << 16).view(np.float32)


def main(out):
    rng = np.random.default_rng(9)
    expected = {}

    w = rng.standard_normal((3, 4)).astype(np.float32)
    h = rng.standard_normal(5).astype(np.float16)
    ids = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
    i8 = np.array([-128, -1, 0, 127], dtype=np.int8)
    d = np.array([1.5, -2.25], dtype=np.float64)
    bf, bf_vals = bf16_tensor("bf", [1.0, -3.0, 0.15625])
    raw = [numpy_helper.from_array(w, "layer.weight"), numpy_helper.from_array(h, "half"),
           numpy_helper.from_array(ids, "ids"), numpy_helper.from_array(i8, "i8"),
           numpy_helper.from_array(d, "dbl"), bf]
    onnx.save(model(raw, "raw"), os.path.join(out, "onnx_raw.onnx"))
    expected["onnx_raw.onnx"] = [
        {"name": "layer.weight", "dtype": "F32", "shape": [3, 4], "values": w.ravel().tolist()},
        {"name": "half", "dtype": "F16", "shape": [5], "values": h.astype(np.float32).tolist()},
        {"name": "ids", "dtype": "I64", "shape": [2, 3], "values": ids.ravel().astype(float).tolist()},
        {"name": "i8", "dtype": "I8", "shape": [4], "values": i8.astype(float).tolist()},
        {"name": "dbl", "dtype": "F64", "shape": [2], "values": d.tolist()},
        {"name": "bf", "dtype": "BF16", "shape": [3], "values": bf_vals.tolist()},
    ]

    f = rng.standard_normal((2, 3)).astype(np.float32)
    h2 = np.array([0.5, -1.0, 65504.0], dtype=np.float16)
    typed = [
        helper.make_tensor("tf", TensorProto.FLOAT, [2, 3], f.ravel().tolist()),
        helper.make_tensor("ti32", TensorProto.INT32, [3], [7, -8, 2147483647]),
        helper.make_tensor("th", TensorProto.FLOAT16, [3], h2.view(np.uint16).astype(np.int32).tolist()),
        helper.make_tensor("ti8", TensorProto.INT8, [3], [-5, 0, 100]),
        helper.make_tensor("tb", TensorProto.BOOL, [2], [1, 0]),
        helper.make_tensor("ti64", TensorProto.INT64, [2], [-(2 ** 40), 3]),
        helper.make_tensor("td", TensorProto.DOUBLE, [2], [0.1, -7.0]),
        helper.make_tensor("tu32", TensorProto.UINT32, [2], [1, 2]),
        helper.make_tensor("ts", TensorProto.STRING, [1], [b"hi"]),
        helper.make_tensor("empty", TensorProto.FLOAT, [0, 4], []),
    ]
    m = model(typed, "typed")
    onnx.save(m, os.path.join(out, "onnx_typed.onnx"))
    arrays = {t.name: numpy_helper.to_array(t) for t in typed if t.name not in ("tu32", "ts")}
    dt = {"tf": "F32", "ti32": "I32", "th": "F16", "ti8": "I8", "tb": "BOOL", "ti64": "I64", "td": "F64", "empty": "F32"}
    expected["onnx_typed.onnx"] = [
        {"name": n, "dtype": dt[n], "shape": list(a.shape), "values": a.astype(np.float64).ravel().tolist()}
        for n, a in arrays.items()]
    expected["onnx_typed.onnx.skipped"] = ["tu32", "ts"]

    e1 = rng.standard_normal((4, 4)).astype(np.float32)
    e2 = np.arange(6, dtype=np.float32).reshape(2, 3)
    ext = [numpy_helper.from_array(e1, "ext.a"), numpy_helper.from_array(e2, "ext.b")]
    m = model(ext, "external")
    onnx.save_model(m, os.path.join(out, "onnx_external.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="onnx_external.bin", size_threshold=0)
    expected["onnx_external.onnx"] = [
        {"name": "ext.a", "dtype": "F32", "shape": [4, 4], "values": e1.ravel().tolist()},
        {"name": "ext.b", "dtype": "F32", "shape": [2, 3], "values": e2.ravel().tolist()},
    ]
    # Check the reference reads what we wrote.
    onnx.checker.check_model(onnx.load(os.path.join(out, "onnx_raw.onnx")))
    with open(os.path.join(out, "onnx_expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data")
