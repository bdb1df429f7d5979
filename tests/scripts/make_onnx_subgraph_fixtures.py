#!/usr/bin/env python3
"""Writes tests/data/onnx_subgraph.onnx, an ONNX model whose weights live only where
exporters of models with control flow put them (Silero VAD, spox/torch exports): in the
initializers of If branches, of a Loop body nested in a branch and of a Scan body, and
in Constant nodes (`value`, `value_float(s)`, `value_int(s)`); and onnx_subgraph_expected.json,
the name, dtype, shape and NumPy values each tensor must decode to.

python3-onnx was not installed where this was written (and scripts/install-deps.sh does
not need it), so the protobuf bytes are encoded here by a few lines following
protobuf.dev "Encoding" and the field numbers of onnx/onnx.proto (ModelProto,
GraphProto, NodeProto, AttributeProto, TensorProto, SparseTensorProto), an encoder
independent of the C++ reader. The values come from NumPy.
Run: /usr/bin/python3 tests/scripts/make_onnx_subgraph_fixtures.py tests/data
"""
import json
import os
import struct
import sys

import numpy as np

# --- protobuf wire format -------------------------------------------------------------
def varint(v):
    v &= (1 << 64) - 1  # negative int64 values are ten-byte varints
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        out.append(c | (0x80 if v else 0))
        if not v:
            return bytes(out)


def tag(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, v):
    return tag(field, 0) + varint(v)


def f_len(field, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return tag(field, 2) + varint(len(payload)) + payload


def f_float(field, x):
    return tag(field, 5) + struct.pack("<f", x)


# --- onnx.proto messages --------------------------------------------------------------
FLOAT, INT64, FLOAT16, DOUBLE = 1, 7, 10, 11
A_FLOAT, A_INT, A_STRING, A_TENSOR, A_GRAPH, A_FLOATS, A_INTS = 1, 2, 3, 4, 5, 6, 7
NP_TYPE = {FLOAT: np.float32, INT64: np.int64, FLOAT16: np.float16, DOUBLE: np.float64}


def tensor_raw(name, data_type, array):
    a = np.ascontiguousarray(array, dtype=NP_TYPE[data_type])
    t = b"".join(f_varint(1, d) for d in a.shape) + f_varint(2, data_type)
    if name:
        t += f_len(8, name)
    return t + f_len(9, a.astype(a.dtype.newbyteorder("<")).tobytes())


def tensor_float_data(name, array):  # typed field float_data (4), packed
    a = np.asarray(array, dtype=np.float32)
    return (b"".join(f_varint(1, d) for d in a.shape) + f_varint(2, FLOAT) + f_len(8, name) +
            f_len(4, a.astype("<f4").tobytes()))


def attr(name, kind, field, value):
    a = f_len(1, name) + f_varint(20, kind)
    if kind == A_FLOAT:
        return a + f_float(field, value)
    if kind == A_INT:
        return a + f_varint(field, value)
    if kind == A_FLOATS:
        return a + f_len(field, np.asarray(value, dtype="<f4").tobytes())
    if kind == A_INTS:
        return a + f_len(field, b"".join(varint(int(v)) for v in value))
    return a + f_len(field, value)  # STRING (4), TENSOR (5), GRAPH (6)


def node(op, inputs, outputs, attrs=(), name=""):
    n = b"".join(f_len(1, i) for i in inputs) + b"".join(f_len(2, o) for o in outputs)
    if name:
        n += f_len(3, name)
    return n + f_len(4, op) + b"".join(f_len(5, a) for a in attrs)


def value_info(name):  # a ValueInfoProto with a name only (no type: the reader ignores it)
    return f_len(1, name)


def graph(name, nodes, inits=(), sparse=(), inputs=(), outputs=()):
    g = b"".join(f_len(1, n) for n in nodes) + f_len(2, name)
    g += b"".join(f_len(5, t) for t in inits)
    g += b"".join(f_len(11, value_info(i)) for i in inputs) + b"".join(f_len(12, value_info(o)) for o in outputs)
    return g + b"".join(f_len(15, s) for s in sparse)


def model(g):
    m = f_varint(1, 8) + f_len(2, "quantscope-fixture") + f_len(3, "1") + f_len(7, g)
    m += f_len(8, f_len(1, "") + f_varint(2, 13))  # opset_import ai.onnx 13
    return m + f_len(14, f_len(1, "purpose") + f_len(2, "subgraphs"))


def main(out):
    rng = np.random.default_rng(19)
    expected = []

    def expect(name, dtype, a):
        a = np.asarray(a)
        expected.append({"name": name, "dtype": dtype, "shape": list(a.shape),
                         "values": a.astype(np.float64).ravel().tolist()})

    threshold = np.float32(0.5)
    then_w = rng.standard_normal((4, 3)).astype(np.float32)
    then_b = rng.standard_normal(4).astype(np.float32)
    then_c = rng.standard_normal((2, 2)).astype(np.float32)
    loop_w = rng.standard_normal(3).astype(np.float16)
    loop_steps = rng.standard_normal(5).astype(np.float32)
    else_w = rng.standard_normal((4, 3)).astype(np.float32)
    else_b = rng.standard_normal(4).astype(np.float32)
    else_shape = np.array([1, -1, 4096], dtype=np.int64)
    scan_s = rng.standard_normal(2).astype(np.float64)
    scan_k = np.int64(-7)

    # Loop body (nested inside the then branch): an F16 initializer also called "w" and
    # a Constant with value_floats.
    body = graph("loop_body",
                 [node("Constant", [], ["steps"], [attr("value_floats", A_FLOATS, 7, loop_steps)]),
                  node("Mul", ["h", "w"], ["h_out"])],
                 inits=[tensor_raw("w", FLOAT16, loop_w)], inputs=["i", "cond", "h"], outputs=["cond_out", "h_out"])
    then_g = graph("then",
                   [node("Constant", [], ["c"], [attr("value", A_TENSOR, 5, tensor_raw("", FLOAT, then_c))]),
                    node("Gemm", ["x", "w", "b"], ["y0"]),
                    node("Loop", ["", "", "y0"], ["y_then"], [attr("body", A_GRAPH, 6, body)], name="inner_loop")],
                   inits=[tensor_raw("w", FLOAT, then_w), tensor_raw("b", FLOAT, then_b)], outputs=["y_then"])
    # The else branch: the same initializer names, b in float_data, a Constant with
    # value_ints, one with a string (skipped) and a sparse initializer (counted).
    sparse = f_len(1, tensor_raw("sp_values", FLOAT, np.array([1.0], np.float32))) + \
        f_len(2, tensor_raw("sp_indices", INT64, np.array([0], np.int64))) + f_varint(3, 4)
    else_g = graph("else",
                   [node("Constant", [], ["shape"], [attr("value_ints", A_INTS, 8, else_shape)]),
                    node("Constant", [], ["label"], [attr("value_string", A_STRING, 4, "silence")]),
                    node("Gemm", ["x", "w", "b"], ["y_else"])],
                   inits=[tensor_raw("w", FLOAT, else_w), tensor_float_data("b", else_b)], sparse=[sparse],
                   outputs=["y_else"])
    scan_body = graph("scan_body",
                      [node("Constant", [], ["k"], [attr("value_int", A_INT, 3, int(scan_k))]),
                       node("Add", ["acc", "s"], ["acc_out"])],
                      inits=[tensor_raw("s", DOUBLE, scan_s)], inputs=["acc"], outputs=["acc_out"])
    main_g = graph("main",
                   [node("Constant", [], ["threshold"], [attr("value_float", A_FLOAT, 2, float(threshold))]),
                    node("Greater", ["x", "threshold"], ["cond"]),
                    node("If", ["cond"], ["y"], [attr("then_branch", A_GRAPH, 6, then_g),
                                                 attr("else_branch", A_GRAPH, 6, else_g)]),
                    node("Scan", ["y"], ["z"], [attr("body", A_GRAPH, 6, scan_body),
                                                attr("num_scan_inputs", A_INT, 3, 1)])],
                   inputs=["x"], outputs=["z"])

    # The order the README states: a graph's initializers, then its nodes in order (a
    # Constant's tensor, a node's subgraphs in attribute order, each read the same way).
    expect("threshold", "F32", threshold)
    expect("If_2/then_branch/w", "F32", then_w)
    expect("If_2/then_branch/b", "F32", then_b)
    expect("If_2/then_branch/c", "F32", then_c)
    expect("If_2/then_branch/inner_loop/body/w", "F16", loop_w.astype(np.float32))
    expect("If_2/then_branch/inner_loop/body/steps", "F32", loop_steps)
    expect("If_2/else_branch/w", "F32", else_w)
    expect("If_2/else_branch/b", "F32", else_b)
    expect("If_2/else_branch/shape", "I64", else_shape)
    expect("Scan_3/body/s", "F64", scan_s)
    expect("Scan_3/body/k", "I64", scan_k)

    with open(os.path.join(out, "onnx_subgraph.onnx"), "wb") as fh:
        fh.write(model(main_g))
    doc = {"tensors": expected, "skipped": ["If_2/else_branch/label"], "sparse_initializers_skipped": 1}
    with open(os.path.join(out, "onnx_subgraph_expected.json"), "w") as fh:
        json.dump(doc, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data")
