// Load-time folding of a linear layer into the next one.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "node.h"
#include "storefuse/infer/model.h"

namespace storefuse::infer {

// A square linear layer followed, through data-movement nodes only, by a
// Gemm with constant weights becomes that Gemm with composed weights: the
// first product is never computed. PyTorch's MultiheadAttention ends in such
// a pair (the out-projection Gemm, then Reshape, Transpose and Flatten into
// the next Linear), storefuse's exporter too (MatMul by the transposed
// out-projection weight, Add, Flatten), as does any Linear -> Linear without
// an activation between.
//
// Matched, so that the result is the same function of X:
// - the first layer: Gemm(X, W1, b1) or Add(MatMul(X, W1), b1), W1 an
//   initializer (or a Transpose of one for MatMul), square (K = N = E), so
//   X has the shape its output had and Shape nodes reading that output may
//   read X instead;
// - the second: Gemm with alpha 1, transA 0, float32 weights from an
//   initializer and no bias or one of shape [N] (or [1, N]) with beta 1;
//   the first Gemm the same;
// - between them only Identity, Transpose (the last axis stays last),
//   Reshape (its target's last entry provably E: a constant E or the last
//   dimension of a value on the path, traced through Shape, Gather,
//   Unsqueeze, Cast and Concat) and at most one Flatten, after which the
//   second Gemm's input holds r = K2 / E blocks of E features per row; each
//   value read by the next node and Shape nodes only, none a graph output.
// The second Gemm's weights become blockdiag(M1, ..., M1) M2 (r blocks; M the
// [K, N] matrices of y = x M) and its bias b2 + tile(b1) M2, as new
// initializers (the originals stay for any other reader).
std::vector<Node> fold_linear(std::vector<Node> nodes, const std::vector<ValueInfo>& outputs,
                              std::map<std::string, Tensor>& initializers);

}  // namespace storefuse::infer
