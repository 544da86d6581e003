#include "storefuse/export/graph_builder.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/infer/weights_digest.h"
#include "storefuse/version.h"

namespace storefuse::exporter {
namespace {

onnx::TensorProto to_proto(const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  onnx::TensorProto p;
  p.set_name(name);
  for (auto d : c.sizes()) p.add_dims(d);
  switch (c.scalar_type()) {
    case torch::kFloat: p.set_data_type(onnx::TensorProto::FLOAT); break;
    case torch::kHalf: p.set_data_type(onnx::TensorProto::FLOAT16); break;
    case torch::kLong: p.set_data_type(onnx::TensorProto::INT64); break;
    case torch::kChar: p.set_data_type(onnx::TensorProto::INT8); break;
    default:
      throw Error(ErrorKind::Unsupported,
                  std::string("cannot export a tensor of type ") + std::string(c.dtype().name()), name);
  }
  p.set_raw_data(c.data_ptr(), c.numel() * c.element_size());
  return p;
}

onnx::ValueInfoProto value_info(const std::string& name, int32_t elem_type,
                                const std::vector<int64_t>& dims) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (auto d : dims) {
    auto* dim = shape->add_dim();
    if (d == kBatch) dim->set_dim_param("batch");
    else dim->set_dim_value(d);
  }
  return v;
}

}  // namespace

Precision parse_precision(const std::string& text) {
  if (text == "fp32") return Precision::Fp32;
  if (text == "fp16") return Precision::Fp16;
  if (text == "int8") return Precision::Int8;
  throw Error(ErrorKind::Usage, "unknown precision '" + text + "'", "--precision",
              "use fp32, fp16 or int8");
}

const char* to_string(Precision p) {
  switch (p) {
    case Precision::Fp32: return "fp32";
    case Precision::Fp16: return "fp16";
    case Precision::Int8: return "int8";
  }
  return "fp32";
}

onnx::AttributeProto Attr::i(const std::string& name, int64_t v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
  return a;
}

onnx::AttributeProto Attr::f(const std::string& name, float v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
  return a;
}

onnx::AttributeProto Attr::ints(const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a.add_ints(x);
  return a;
}

onnx::AttributeProto Attr::s(const std::string& name, const std::string& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(v);
  return a;
}

GraphBuilder::GraphBuilder(std::string graph_name, int64_t opset, Precision precision)
    : opset_(opset), precision_(precision) {
  if (opset < 17) {
    throw Error(ErrorKind::Unsupported, "opset " + std::to_string(opset) + " is not supported",
                "--opset", "storefuse exports opset 17 or newer (LayerNormalization needs 17)");
  }
  graph_.set_name(std::move(graph_name));
}

void GraphBuilder::push_scope(const std::string& s) { scopes_.push_back(s); }
void GraphBuilder::pop_scope() { scopes_.pop_back(); }

std::string GraphBuilder::scoped(const std::string& hint) const {
  std::string out;
  for (const auto& s : scopes_) out += s + ".";
  return out + hint;
}

std::string GraphBuilder::fresh(const std::string& hint) {
  std::string base = scoped(hint);
  int& n = used_names_[base];
  std::string name = n == 0 ? base : base + "_" + std::to_string(n);
  ++n;
  return name;
}

std::string GraphBuilder::input(const std::string& name, int32_t elem_type,
                                const std::vector<int64_t>& dims) {
  *graph_.add_input() = value_info(name, elem_type, dims);
  used_names_[name] = 1;
  return name;
}

void GraphBuilder::output(const std::string& value, const std::string& name, int32_t elem_type,
                          const std::vector<int64_t>& dims) {
  std::string out = value;
  if (value != name) out = nodes("Identity", {value}, {}, 1).front();
  // Rename the producing node's output to the public name.
  for (auto& n : *graph_.mutable_node()) {
    for (auto& o : *n.mutable_output()) {
      if (o == out) o = name;
    }
  }
  *graph_.add_output() = value_info(name, elem_type, dims);
}

std::string GraphBuilder::constant(const std::string& hint, const torch::Tensor& t) {
  std::string name = fresh(hint);
  *graph_.add_initializer() = to_proto(name, t);
  return name;
}

std::string GraphBuilder::ints(const std::string& hint, const std::vector<int64_t>& v) {
  return constant(hint, torch::tensor(v, torch::kLong));
}

std::string GraphBuilder::matmul_weight(const std::string& hint, const torch::Tensor& w) {
  torch::Tensor w32 = w.detach().to(torch::kFloat).contiguous();
  switch (precision_) {
    case Precision::Fp32:
      return constant(hint, w32);
    case Precision::Fp16:
      return node("Cast", {constant(hint + "_fp16", w32.to(torch::kHalf))},
                  {Attr::i("to", onnx::TensorProto::FLOAT)});
    case Precision::Int8: {
      // Symmetric per output channel (row of [out, in]): the zero point is 0,
      // and each row uses the full [-127, 127] range.
      torch::Tensor absmax = w32.abs().amax(1);
      torch::Tensor scale = torch::where(absmax > 0, absmax / 127.0f, torch::ones_like(absmax));
      torch::Tensor q = torch::round(w32 / scale.unsqueeze(1)).clamp(-127, 127).to(torch::kChar);
      std::string qn = constant(hint + "_int8", q);
      std::string sn = constant(hint + "_scale", scale);
      std::string zn = constant(hint + "_zero_point", torch::zeros({w32.size(0)}, torch::kChar));
      return node("DequantizeLinear", {qn, sn, zn}, {Attr::i("axis", 0)});
    }
  }
  return {};
}

std::vector<std::string> GraphBuilder::nodes(const std::string& op,
                                             const std::vector<std::string>& inputs,
                                             const std::vector<onnx::AttributeProto>& attrs,
                                             int n_outputs) {
  onnx::NodeProto* n = graph_.add_node();
  n->set_op_type(op);
  n->set_name(fresh(op));
  for (const auto& i : inputs) n->add_input(i);
  std::vector<std::string> outs;
  for (int k = 0; k < n_outputs; ++k) {
    outs.push_back(fresh(op + "_out"));
    n->add_output(outs.back());
  }
  for (const auto& a : attrs) *n->add_attribute() = a;
  return outs;
}

std::string GraphBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                               const std::vector<onnx::AttributeProto>& attrs) {
  return nodes(op, inputs, attrs, 1).front();
}

std::string GraphBuilder::linear(const std::string& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias, int64_t x_rank) {
  std::string w = matmul_weight("weight", weight);
  std::string b = constant("bias", bias.defined() ? bias : torch::zeros({weight.size(0)}));
  if (x_rank == 2) return node("Gemm", {x, w, b}, {Attr::i("transB", 1)});
  std::string wt = node("Transpose", {w}, {Attr::ints("perm", {1, 0})});
  return node("Add", {node("MatMul", {x, wt}), b});
}

onnx::ModelProto GraphBuilder::finish(const std::map<std::string, std::string>& metadata) const {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("storefuse");
  m.set_producer_version(STOREFUSE_VERSION);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset_);
  for (const auto& [k, v] : metadata) {
    if (k == infer::metadata::kWeightsDigest) continue;  // computed below
    auto* p = m.add_metadata_props();
    p->set_key(k);
    p->set_value(v);
  }
  *m.mutable_graph() = graph_;
  // The digest of the graph as serialized (weights_digest.h), which the
  // metadata added after it leaves unchanged; every loader checks it.
  const std::string bytes = m.SerializeAsString();
  auto* digest = m.add_metadata_props();
  digest->set_key(infer::metadata::kWeightsDigest);
  digest->set_value(infer::graph_digest(bytes.data(), bytes.size()).value());
  return m;
}

void check_onnx(const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
    onnx::ModelProto copy = model;
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true,
                                                                   /*strict=*/1, false));
  } catch (const std::exception& e) {
    throw Error(ErrorKind::Model, std::string("the exported graph fails the ONNX checker: ") + e.what(),
                model.graph().name(), "this is a bug in the module's ONNX emitter; please report it");
  }
}

void save_onnx_atomic(const std::string& path, const onnx::ModelProto& model) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    throw Error(ErrorKind::Model, "cannot serialise the ONNX model", path);
  }
  write_file_atomic(path, bytes);
}

}  // namespace storefuse::exporter
