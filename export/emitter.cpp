#include "storefuse/export/emitter.h"

#include "storefuse/core/error.h"

namespace storefuse::exporter {

std::vector<std::string> Emitter::emit(const std::string& name, const torch::nn::Module& module,
                                       const std::vector<std::string>& inputs) {
  const std::type_index type(typeid(module));
  for (const auto& entry : emitters()) {
    if (entry.type != type) continue;
    path_.push_back(name);
    graph_.push_scope(name);
    auto out = entry.emit(*this, module, inputs);
    graph_.pop_scope();
    path_.pop_back();
    return out;
  }
  std::string path;
  for (const auto& p : path_) path += p + ".";
  std::string known;
  for (const auto& entry : emitters()) known += (known.empty() ? "" : ", ") + std::string(entry.name);
  throw Error(ErrorKind::Unsupported, "no ONNX emitter for module type '" + module.name() + "'",
              "module " + path + name,
              "add an emitter for it in export/emitters.cpp (known: " + known + ")");
}

torch::Tensor param(const torch::nn::Module& m, const std::string& name) {
  auto params = m.named_parameters(/*recurse=*/false);
  if (const auto* t = params.find(name)) return t->detach();
  throw Error(ErrorKind::Model, "module '" + m.name() + "' has no parameter '" + name + "'",
              "ONNX export", "the module and its emitter disagree; please report it");
}

torch::Tensor buffer(const torch::nn::Module& m, const std::string& name) {
  auto buffers = m.named_buffers(/*recurse=*/false);
  if (const auto* t = buffers.find(name)) return t->detach();
  throw Error(ErrorKind::Model, "module '" + m.name() + "' has no buffer '" + name + "'",
              "ONNX export", "the module and its emitter disagree; please report it");
}

const torch::nn::Module& child(const torch::nn::Module& m, const std::string& name) {
  auto children = m.named_children();
  if (const auto* c = children.find(name)) return **c;
  throw Error(ErrorKind::Model, "module '" + m.name() + "' has no child '" + name + "'",
              "ONNX export", "the module and its emitter disagree; please report it");
}

}  // namespace storefuse::exporter
