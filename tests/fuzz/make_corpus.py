#!/usr/bin/python3
"""The fuzz target's seed corpus (tests/fuzz/corpus/*.onnx): small valid models
covering the loader's paths - initializers, a dynamic batch, Gemm + Relu,
int8 and float16 weights, shape computations, Conv, attributes of every kind,
a foldable pair of linear layers.
The committed files come from this script (deterministic); the install test
also runs docs/examples/infer on mlp.onnx.

Usage: make_corpus.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(17)


def weights(*shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def save(graph, path, opset=17):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_corpus")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def mlp():
    inits = [numpy_helper.from_array(weights(8, 6), "w1"), numpy_helper.from_array(weights(8), "b1"),
             numpy_helper.from_array(weights(8, 3), "w2")]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["hr"]),
             helper.make_node("MatMul", ["hr", "w2"], ["z"]),
             helper.make_node("Softmax", ["z"], ["y"], axis=-1)]
    return helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 6])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])], inits)


def int8_weights():
    q = rng.integers(-127, 128, (4, 6)).astype(np.int8)
    inits = [numpy_helper.from_array(q, "q"), numpy_helper.from_array(np.full(4, 0.05, np.float32), "s"),
             numpy_helper.from_array(np.zeros(4, np.int8), "z"),
             numpy_helper.from_array(weights(6, 5).astype(np.float16), "h")]
    nodes = [helper.make_node("DequantizeLinear", ["q", "s", "z"], ["w"], axis=0),
             helper.make_node("Gemm", ["x", "w"], ["a"], transB=1),
             helper.make_node("Cast", ["h"], ["hf"], to=TensorProto.FLOAT),
             helper.make_node("Transpose", ["hf"], ["ht"], perm=[1, 0]),
             helper.make_node("MatMul", ["ht", "x2"], ["b"])]
    return helper.make_graph(nodes, "int8", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 6]),
                                             helper.make_tensor_value_info("x2", TensorProto.FLOAT, [6, 2])],
                             [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 4]),
                              helper.make_tensor_value_info("b", TensorProto.FLOAT, [5, 2])], inits)


def shapes():
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array([0], np.int64), "axes"),
             numpy_helper.from_array(np.array([2, 3], np.int64), "rest")]
    nodes = [helper.make_node("Shape", ["x"], ["shape"]),
             helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
             helper.make_node("Unsqueeze", ["batch", "axes"], ["batch_1d"]),
             helper.make_node("Concat", ["batch_1d", "rest"], ["new_shape"], axis=0),
             helper.make_node("Reshape", ["x", "new_shape"], ["r"]),
             helper.make_node("ReduceMean", ["r"], ["m"], axes=[2], keepdims=0),
             helper.make_node("Sigmoid", ["m"], ["y"])]
    return helper.make_graph(nodes, "shapes", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 6])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])], inits)


def conv():
    inits = [numpy_helper.from_array(weights(4, 2, 3, 3), "w"), numpy_helper.from_array(weights(4), "b")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], strides=[1, 1]),
             helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("GlobalAveragePool", ["p"], ["g"]),
             helper.make_node("Flatten", ["g"], ["y"], axis=1)]
    return helper.make_graph(nodes, "conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8, 8])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)


def layer_norm():
    inits = [numpy_helper.from_array(weights(6), "gamma"), numpy_helper.from_array(weights(6), "beta")]
    nodes = [helper.make_node("Constant", [], ["two"], value=numpy_helper.from_array(np.array(2.0, np.float32))),
             helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["n"], axis=-1, epsilon=1e-5),
             helper.make_node("Pow", ["n", "two"], ["sq"]),
             helper.make_node("Where", ["cond", "sq", "n"], ["w"]),
             helper.make_node("Erf", ["w"], ["y"])]
    return helper.make_graph(nodes, "layer_norm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6]),
                                                   helper.make_tensor_value_info("cond", TensorProto.BOOL, [2, 6])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 6])], inits)


def fold():
    """Attention's out-projection and the next layer, as PyTorch exports
    them: the runtime folds the square Gemm into the last one at load."""
    inits = [numpy_helper.from_array(weights(4, 4), "w1"), numpy_helper.from_array(weights(4), "b1"),
             numpy_helper.from_array(weights(3, 8), "w2"), numpy_helper.from_array(weights(3), "b2"),
             numpy_helper.from_array(np.array(1, np.int64), "one"),
             numpy_helper.from_array(np.array([0], np.int64), "axes"),
             numpy_helper.from_array(np.array([2, -1], np.int64), "lead")]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
             helper.make_node("Shape", ["h"], ["shape"]),
             helper.make_node("Gather", ["shape", "one"], ["e"], axis=0),
             helper.make_node("Unsqueeze", ["e", "axes"], ["e1"]),
             helper.make_node("Concat", ["lead", "e1"], ["target"], axis=0),
             helper.make_node("Reshape", ["h", "target"], ["r"]),
             helper.make_node("Transpose", ["r"], ["t"], perm=[1, 0, 2]),
             helper.make_node("Flatten", ["t"], ["f"], axis=1),
             helper.make_node("Gemm", ["f", "w2", "b2"], ["y"], transB=1)]
    return helper.make_graph(nodes, "fold", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, graph in [("mlp", mlp()), ("int8", int8_weights()), ("shapes", shapes()), ("conv", conv()),
                        ("layer_norm", layer_norm()), ("fold", fold())]:
        save(graph, os.path.join(out_dir, name + ".onnx"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
