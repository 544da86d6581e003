#include "node.h"

namespace storefuse::infer {

const char* to_string(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::Float: return "float";
    case Attribute::Kind::Int: return "int";
    case Attribute::Kind::String: return "string";
    case Attribute::Kind::Tensor: return "tensor";
    case Attribute::Kind::Floats: return "floats";
    case Attribute::Kind::Ints: return "ints";
    case Attribute::Kind::Strings: return "strings";
  }
  return "?";
}

std::string Node::where() const { return "node '" + name + "' (" + op_type + ")"; }

Error Node::error(ErrorKind kind, const std::string& what, const std::string& fix) const {
  return Error(kind, op_type + ": " + what, where(), fix);
}

const Attribute* Node::find(const std::string& attribute, Attribute::Kind kind) const {
  auto it = attributes.find(attribute);
  if (it == attributes.end()) return nullptr;
  if (it->second.kind != kind)
    throw error(ErrorKind::Model, "attribute '" + attribute + "' is " + to_string(it->second.kind) +
                                      ", expected " + to_string(kind),
                "re-export the model with a valid " + op_type + " node");
  return &it->second;
}

int64_t Node::attr_int(const std::string& attribute, int64_t fallback) const {
  const Attribute* a = find(attribute, Attribute::Kind::Int);
  return a ? a->i : fallback;
}

float Node::attr_float(const std::string& attribute, float fallback) const {
  const Attribute* a = find(attribute, Attribute::Kind::Float);
  return a ? a->f : fallback;
}

std::string Node::attr_string(const std::string& attribute, const std::string& fallback) const {
  const Attribute* a = find(attribute, Attribute::Kind::String);
  return a ? a->s : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& attribute, std::vector<int64_t> fallback) const {
  const Attribute* a = find(attribute, Attribute::Kind::Ints);
  return a ? a->ints : fallback;
}

std::vector<float> Node::attr_floats(const std::string& attribute) const {
  const Attribute* a = find(attribute, Attribute::Kind::Floats);
  return a ? a->floats : std::vector<float>{};
}

const Tensor& Node::attr_tensor(const std::string& attribute) const {
  const Attribute* a = find(attribute, Attribute::Kind::Tensor);
  if (!a) throw error(ErrorKind::Model, "required attribute '" + attribute + "' is missing");
  return a->t;
}

}  // namespace storefuse::infer
