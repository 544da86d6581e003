#include "storefuse/datasets/feature_spec.h"

#include <set>

#include "storefuse/core/error.h"
#include "storefuse/core/json.h"

namespace storefuse::datasets {
namespace {

const char* const kSpecFix =
    "the feature spec is written by storefuse; regenerate the file, or compare "
    "with the example in docs/dataset-format.md";

[[noreturn]] void bad(const std::string& what, const std::string& field) {
  throw Error(ErrorKind::Data, "invalid feature spec: " + what, "feature_spec." + field,
              kSpecFix);
}

void check_keys(const json& obj, const std::set<std::string>& allowed,
                const std::string& field) {
  if (!obj.is_object()) bad("expected a JSON object", field);
  for (const auto& item : obj.items()) {
    if (!allowed.count(item.key())) {
      bad("unknown key '" + item.key() + "'", field.empty() ? item.key() : field);
    }
  }
}

const json& require(const json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end()) bad(std::string("missing key '") + key + "'", field);
  return *it;
}

ModalitySpec modality_from_json(const json& j, const std::string& field) {
  check_keys(j, {"dtype", "shape", "params"}, field);
  ModalitySpec m;
  const json& dtype = require(j, "dtype", field);
  if (!dtype.is_string()) bad("dtype must be a string", field + ".dtype");
  try {
    m.dtype = dtype_from_string(dtype.get<std::string>());
  } catch (const Error& e) {
    bad(e.problem(), field + ".dtype");
  }
  const json& shape = require(j, "shape", field);
  if (!shape.is_array()) bad("shape must be an array of integers", field + ".shape");
  for (const auto& d : shape) {
    if (!d.is_number_integer()) bad("shape must be an array of integers", field + ".shape");
    m.shape.push_back(d.get<int64_t>());
  }
  if (j.contains("params")) m.params = j.at("params");
  return m;
}

}  // namespace

const char* to_string(Modality m) {
  switch (m) {
    case Modality::Visual: return "visual";
    case Modality::Audio: return "audio";
    case Modality::Text: return "text";
    case Modality::Sensor: return "sensor";
  }
  return "?";
}

const char* to_string(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::UInt8: return "uint8";
    case DType::Int32: return "int32";
  }
  return "?";
}

DType dtype_from_string(const std::string& name) {
  for (DType t : {DType::Float32, DType::UInt8, DType::Int32}) {
    if (name == to_string(t)) return t;
  }
  throw Error(ErrorKind::Data, "unknown dtype '" + name + "'", "",
              "use one of float32, uint8, int32");
}

int64_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::UInt8: return 1;
    case DType::Int32: return 4;
  }
  return 0;
}

const char* to_string(Flavour f) { return f == Flavour::Vectors ? "vectors" : "sequences"; }

int64_t ModalitySpec::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool ModalitySpec::operator==(const ModalitySpec& o) const {
  return dtype == o.dtype && shape == o.shape && params == o.params;
}

void FeatureSpec::validate() const {
  for (Modality m : kModalities) {
    const ModalitySpec& s = (*this)[m];
    std::string field = std::string("modalities.") + to_string(m);
    if (s.shape.empty()) bad("shape is empty; a sample needs at least one axis", field + ".shape");
    for (int64_t d : s.shape) {
      if (d <= 0) bad("shape has a non-positive axis (" + std::to_string(d) + ")", field + ".shape");
    }
    if (flavour == Flavour::Vectors && s.shape.size() != 1) {
      bad("flavour 'vectors' needs rank-1 shapes, got rank " + std::to_string(s.shape.size()),
          field + ".shape");
    }
    if (!s.params.is_object()) bad("params must be a JSON object", field + ".params");
  }
  if (class_names.empty()) bad("class_names is empty", "class_names");
  std::set<std::string> seen;
  for (const auto& name : class_names) {
    if (name.empty()) bad("a class name is empty", "class_names");
    if (!seen.insert(name).second) bad("class name '" + name + "' appears twice", "class_names");
  }
}

json FeatureSpec::to_json() const {
  json mods = json::object();
  for (Modality m : kModalities) {
    const ModalitySpec& s = (*this)[m];
    mods[to_string(m)] = {{"dtype", to_string(s.dtype)}, {"shape", s.shape}, {"params", s.params}};
  }
  return {{"feature_spec_version", kVersion},
          {"flavour", to_string(flavour)},
          {"modalities", mods},
          {"class_names", class_names}};
}

FeatureSpec FeatureSpec::from_json(const json& j) {
  check_keys(j, {"feature_spec_version", "flavour", "modalities", "class_names"}, "");
  const json& version = require(j, "feature_spec_version", "");
  if (!version.is_number_integer()) bad("feature_spec_version must be an integer", "feature_spec_version");
  if (version.get<int64_t>() != kVersion) {
    throw Error(ErrorKind::Data,
                "feature spec version " + version.dump() + " is not supported; this build reads version " +
                    std::to_string(kVersion),
                "feature_spec.feature_spec_version",
                "use the storefuse version that wrote the file, or regenerate it with this one");
  }
  FeatureSpec spec;
  const json& flavour = require(j, "flavour", "");
  if (flavour == "vectors") {
    spec.flavour = Flavour::Vectors;
  } else if (flavour == "sequences") {
    spec.flavour = Flavour::Sequences;
  } else {
    bad("flavour must be \"vectors\" or \"sequences\", got " + flavour.dump(), "flavour");
  }
  const json& mods = require(j, "modalities", "");
  check_keys(mods, {"visual", "audio", "text", "sensor"}, "modalities");
  for (Modality m : kModalities) {
    std::string field = std::string("modalities.") + to_string(m);
    spec[m] = modality_from_json(require(mods, to_string(m), "modalities"), field);
  }
  const json& names = require(j, "class_names", "");
  if (!names.is_array()) bad("class_names must be an array of strings", "class_names");
  for (const auto& n : names) {
    if (!n.is_string()) bad("class_names must be an array of strings", "class_names");
    spec.class_names.push_back(n.get<std::string>());
  }
  spec.validate();
  return spec;
}

FeatureSpec FeatureSpec::from_json_string(const std::string& text) {
  return from_json(parse_json(text, "the feature spec", {size_t(16) << 20, 16}));
}

bool FeatureSpec::operator==(const FeatureSpec& o) const {
  return flavour == o.flavour && modalities == o.modalities && class_names == o.class_names;
}

FeatureSpec seed_vector_spec(std::vector<std::string> class_names) {
  FeatureSpec spec;
  spec.flavour = Flavour::Vectors;
  spec[Modality::Visual].shape = {2048};
  spec[Modality::Audio].shape = {130};
  spec[Modality::Text].shape = {768};
  spec[Modality::Sensor].shape = {10};
  spec.class_names = std::move(class_names);
  spec.validate();
  return spec;
}

}  // namespace storefuse::datasets
