#!/usr/bin/python3
"""Weight-only fp16 and int8 variants of an ONNX model, in the layout
storefuse's exporter writes (export/graph_builder.cpp, matmul_weight):

  fp16: every constant weight B of Gemm / MatMul becomes
        Cast(B_fp16, to=FLOAT);
  int8: B becomes DequantizeLinear(q, scale, zero_point, axis=0) over the
        weight stored [out, in] (q int8, symmetric per output channel, zero
        points 0, the full [-127, 127] range), then Transpose for MatMul.

Usage: quantize_seed_onnx.py MODEL.onnx OUT_DIR
Writes OUT_DIR/model_fp16.onnx and OUT_DIR/model_int8.onnx. Deterministic.
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def weight_nodes(model):
    """(node, [out, in] weight as float32) for Gemm/MatMul with a constant 2-D B."""
    inits = {i.name: i for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type not in ("Gemm", "MatMul") or len(node.input) < 2 or node.input[1] not in inits:
            continue
        w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        if w.ndim != 2:
            continue
        trans_b = node.op_type == "Gemm" and any(a.name == "transB" and a.i == 1 for a in node.attribute)
        yield node, (w if trans_b else w.T), trans_b


def convert(model, precision):
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    used = set()
    new_nodes = []
    for node, w_oi, trans_b in list(weight_nodes(model)):
        name = node.input[1]
        used.add(name)
        base = name.replace(".", "_").replace(":", "_")
        if precision == "fp16":
            g.initializer.append(numpy_helper.from_array(w_oi.astype(np.float16), base + "_fp16"))
            new_nodes.append(helper.make_node("Cast", [base + "_fp16"], [base + "_w"], to=onnx.TensorProto.FLOAT))
        else:
            absmax = np.abs(w_oi).max(axis=1)
            scale = np.where(absmax > 0, absmax / 127.0, 1.0).astype(np.float32)
            q = np.clip(np.round(w_oi / scale[:, None]), -127, 127).astype(np.int8)
            g.initializer.extend([numpy_helper.from_array(q, base + "_int8"),
                                  numpy_helper.from_array(scale, base + "_scale"),
                                  numpy_helper.from_array(np.zeros(len(scale), np.int8), base + "_zero_point")])
            new_nodes.append(helper.make_node("DequantizeLinear", [base + "_int8", base + "_scale",
                                                                   base + "_zero_point"], [base + "_w"], axis=0))
        value = base + "_w"
        if not trans_b:  # MatMul / Gemm transB=0 take [in, out]
            new_nodes.append(helper.make_node("Transpose", [value], [base + "_wt"], perm=[1, 0]))
            value = base + "_wt"
        node.input[1] = value
    keep = [i for i in g.initializer if i.name not in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = new_nodes + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    return model


def main(path, out_dir):
    model = onnx.load(path)
    os.makedirs(out_dir, exist_ok=True)
    for precision in ("fp16", "int8"):
        onnx.save(convert(model, precision), os.path.join(out_dir, f"model_{precision}.onnx"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
