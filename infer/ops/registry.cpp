#include "registry.h"

#include <map>

#include "add.h"
#include "average_pool.h"
#include "batch_normalization.h"
#include "cast.h"
#include "concat.h"
#include "constant.h"
#include "constant_of_shape.h"
#include "conv.h"
#include "dequantize_linear.h"
#include "div.h"
#include "dropout.h"
#include "equal.h"
#include "erf.h"
#include "exp.h"
#include "expand.h"
#include "flatten.h"
#include "gather.h"
#include "gemm.h"
#include "global_average_pool.h"
#include "identity.h"
#include "layer_normalization.h"
#include "mat_mul.h"
#include "max_pool.h"
#include "mul.h"
#include "pow.h"
#include "quantize_linear.h"
#include "reduce_mean.h"
#include "relu.h"
#include "reshape.h"
#include "shape.h"
#include "sigmoid.h"
#include "slice.h"
#include "softmax.h"
#include "sqrt.h"
#include "squeeze.h"
#include "sub.h"
#include "tanh.h"
#include "transpose.h"
#include "unsqueeze.h"
#include "where.h"

namespace storefuse::infer {

namespace {

template <class T>
std::unique_ptr<Op> make(const Node& node) {
  return std::make_unique<T>(node);
}

const std::map<std::string, OpFactory>& registry() {
  static const std::map<std::string, OpFactory> ops = {
      {"Add", make<Add>},
      {"AveragePool", make<AveragePool>},
      {"BatchNormalization", make<BatchNormalization>},
      {"Cast", make<Cast>},
      {"Concat", make<Concat>},
      {"Constant", make<Constant>},
      {"ConstantOfShape", make<ConstantOfShape>},
      {"Conv", make<Conv>},
      {"DequantizeLinear", make<DequantizeLinear>},
      {"Div", make<Div>},
      {"Dropout", make<Dropout>},
      {"Equal", make<Equal>},
      {"Erf", make<Erf>},
      {"Exp", make<Exp>},
      {"Expand", make<Expand>},
      {"Flatten", make<Flatten>},
      {"Gather", make<Gather>},
      {"Gemm", make<Gemm>},
      {"GlobalAveragePool", make<GlobalAveragePool>},
      {"Identity", make<Identity>},
      {"LayerNormalization", make<LayerNormalization>},
      {"MatMul", make<MatMul>},
      {"MaxPool", make<MaxPool>},
      {"Mul", make<Mul>},
      {"Pow", make<Pow>},
      {"QuantizeLinear", make<QuantizeLinear>},
      {"ReduceMean", make<ReduceMean>},
      {"Relu", make<Relu>},
      {"Reshape", make<Reshape>},
      {"Shape", make<ShapeOp>},
      {"Sigmoid", make<Sigmoid>},
      {"Slice", make<Slice>},
      {"Softmax", make<Softmax>},
      {"Sqrt", make<Sqrt>},
      {"Squeeze", make<Squeeze>},
      {"Sub", make<Sub>},
      {"Tanh", make<Tanh>},
      {"Transpose", make<Transpose>},
      {"Unsqueeze", make<Unsqueeze>},
      {"Where", make<Where>},
  };
  return ops;
}

}  // namespace

OpFactory find_op(const std::string& op_type) {
  auto it = registry().find(op_type);
  return it == registry().end() ? nullptr : it->second;
}

std::vector<std::string> registered_ops() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

}  // namespace storefuse::infer
