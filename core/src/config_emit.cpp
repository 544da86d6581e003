// Writing a resolved config back out: YAML (saved in every run), JSON (for
// metadata), and YAML annotated with where each value came from.
#include <yaml-cpp/yaml.h>

#include <sstream>

#include "config_scalar.h"
#include "storefuse/core/config.h"

namespace storefuse::config {
namespace {

void emit(YAML::Emitter& out, const Node& n) {
  switch (n.kind()) {
    case Node::Kind::Null:
      out << YAML::Null;
      break;
    case Node::Kind::Scalar:
      if (n.is_quoted()) out << YAML::DoubleQuoted;
      out << n.as_string();
      break;
    case Node::Kind::Sequence:
      out << YAML::BeginSeq;
      for (const auto& e : n.elements()) emit(out, e);
      out << YAML::EndSeq;
      break;
    case Node::Kind::Map:
      out << YAML::BeginMap;
      for (const auto& [k, v] : n.items()) {
        out << YAML::Key << k << YAML::Value;
        emit(out, v);
      }
      out << YAML::EndMap;
      break;
  }
}

void emit_with_origins(std::ostringstream& out, const Node& n, int indent) {
  std::string pad(indent, ' ');
  for (const auto& [k, v] : n.items()) {
    if (v.is_map() && !v.items().empty()) {
      out << pad << k << ":\n";
      emit_with_origins(out, v, indent + 2);
      continue;
    }
    YAML::Emitter e;
    e << YAML::Flow;
    emit(e, v);
    out << pad << k << ": " << e.c_str() << "  # " << v.origin().str() << "\n";
  }
}

}  // namespace

std::string Node::to_yaml() const {
  YAML::Emitter out;
  emit(out, *this);
  return std::string(out.c_str()) + "\n";
}

std::string Node::to_yaml_with_origins() const {
  std::ostringstream out;
  emit_with_origins(out, *this, 0);
  return out.str();
}

json Node::to_json() const {
  switch (kind_) {
    case Kind::Null:
      return nullptr;
    case Kind::Scalar: {
      if (quoted_) return scalar_;
      switch (classify(scalar_)) {
        case ScalarType::Bool: return parse_bool(scalar_);
        case ScalarType::Int: return std::stoll(scalar_);
        case ScalarType::Float: return parse_float(scalar_);
        default: return scalar_;
      }
    }
    case Kind::Sequence: {
      json a = json::array();
      for (const auto& e : seq_) a.push_back(e.to_json());
      return a;
    }
    case Kind::Map: {
      json o = json::object();
      for (const auto& [k, v] : map_) o[k] = v.to_json();
      return o;
    }
  }
  return nullptr;
}

}  // namespace storefuse::config
