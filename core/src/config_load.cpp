// Parsing, include resolution, merging, --set overrides and schema checks.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "config_scalar.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"

namespace fs = std::filesystem;

namespace storefuse::config {

extern const char* const kDefaultsYaml;  // generated from configs/defaults.yaml

namespace {

Origin origin_of(const YAML::Node& y, const std::string& file) {
  if (file.rfind("--set", 0) == 0) return Origin{file, 0, 0};  // one line: no position
  return Origin{file, y.Mark().line + 1, y.Mark().column + 1};
}

// Bounds on one YAML document: aliases are expanded into the config's tree,
// so a few hundred bytes of nested aliases ("billion laughs") would expand
// to billions of values. A config is refused past these, before it grows.
constexpr size_t kMaxConfigBytes = size_t(1) << 20;
constexpr int kMaxConfigDepth = 64;
constexpr const char* kMaxNodesVariable = "STOREFUSE_CONFIG_MAX_VALUES";

size_t max_config_values() {
  if (const char* v = std::getenv(kMaxNodesVariable)) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(v, &end, 10);
    if (end != v && *end == '\0' && n > 0) return size_t(n);
  }
  return 100000;
}

struct Budget {
  size_t values_left = max_config_values();
  size_t limit = values_left;
};

// Text a config may hold: valid UTF-8 without control characters other
// than tab and newline (they would not print and read back as the same
// config, and JSON cannot hold invalid UTF-8).
bool printable_text(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return false;
      ++i;
      continue;
    }
    const size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (n == 0 || (n == 3 && c > 0xef) || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void check_text(const std::string& s, const Origin& o) {
  if (!printable_text(s)) {
    throw Error(ErrorKind::Config, "a key or value holds control characters or invalid UTF-8", o.str(),
                "write plain UTF-8 text (escape sequences in double quotes are read as the bytes they name)");
  }
}

// Walks the YAML graph as convert() will expand it, allocating nothing, so
// that an alias bomb is refused before a single value of it is copied.
void check_expansion(const YAML::Node& y, const std::string& file, Budget& budget, int depth) {
  if (budget.values_left-- == 0) {
    throw Error(ErrorKind::Config,
                "the YAML expands to more than " + std::to_string(budget.limit) +
                    " values (aliases repeated inside aliases?)",
                origin_of(y, file).str(),
                std::string("write the values out, or raise the limit with the environment variable ") +
                    kMaxNodesVariable);
  }
  if (depth > kMaxConfigDepth) {
    throw Error(ErrorKind::Config, "the YAML nests deeper than " + std::to_string(kMaxConfigDepth) + " levels",
                origin_of(y, file).str(), "flatten the config; storefuse's keys nest a few levels at most");
  }
  if (y.IsMap()) {
    for (const auto& kv : y) check_expansion(kv.second, file, budget, depth + 1);
  } else if (y.IsSequence()) {
    for (const auto& e : y) check_expansion(e, file, budget, depth + 1);
  }
}

Node convert(const YAML::Node& y, const std::string& file) {
  Origin o = origin_of(y, file);
  switch (y.Type()) {
    case YAML::NodeType::Map: {
      Node n = Node::map(o);
      for (const auto& kv : y) {
        std::string key = kv.first.Scalar();
        check_text(key, origin_of(kv.first, file));
        if (n.has(key)) {
          throw Error(ErrorKind::Config, "duplicate key '" + key + "'",
                      origin_of(kv.first, file).str(), "keep one of the two");
        }
        Node value = convert(kv.second, file);
        value.set_key_origin(origin_of(kv.first, file));
        n.set(key, std::move(value));
      }
      return n;
    }
    case YAML::NodeType::Sequence: {
      Node n = Node::sequence(o);
      for (const auto& e : y) n.push_back(convert(e, file));
      return n;
    }
    case YAML::NodeType::Scalar:
      check_text(y.Scalar(), o);
      return Node::scalar(y.Scalar(), y.Tag() == "!", o);
    default:
      return Node::null(o);
  }
}

Node parse_yaml(const std::string& text, const std::string& name) {
  if (text.size() > kMaxConfigBytes) {
    throw Error(ErrorKind::Config,
                "the config is over the limit of " + std::to_string(kMaxConfigBytes) + " bytes",
                name, "configs are small YAML files; split data out of it (datasets belong in HDF5 files)");
  }
  try {
    YAML::Node y = YAML::Load(text);
    if (!y.IsDefined() || y.IsNull()) return Node::map(Origin{name, 1, 1});
    Budget budget;
    check_expansion(y, name, budget, 0);
    Node n = convert(y, name);
    if (!n.is_map() && name.rfind("--set", 0) != 0) {
      throw Error(ErrorKind::Config, "a config file must be a YAML map of keys", name,
                  "start the file with 'key: value' lines");
    }
    return n;
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::Config, "invalid YAML: " + e.msg,
                name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
                "fix the syntax at that position");
  }
}

// The file, read no further than one byte past the size limit, so that a
// device or a pipe (include: /dev/zero) cannot make it read forever.
std::string read_config_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot read the config file", file.string(), "check its permissions");
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) throw Error(ErrorKind::Io, "cannot read the config file", file.string(), "check the file");
  return text;  // parse_yaml refuses it when it fills the buffer
}

Node parse_with_includes(const fs::path& file, std::vector<fs::path>& stack) {
  fs::path canon = fs::weakly_canonical(file);
  if (std::find(stack.begin(), stack.end(), canon) != stack.end()) {
    std::string chain;
    for (const auto& p : stack) chain += p.filename().string() + " -> ";
    throw Error(ErrorKind::Config, "include cycle: " + chain + file.filename().string(),
                file.string(), "remove one of the include: lines");
  }
  if (!fs::exists(file)) {
    throw Error(ErrorKind::Config, "config file not found", file.string(),
                "check the path (includes are relative to the including file)");
  }
  Node own = parse_yaml(read_config_file(file), file.string());
  if (!own.has("include")) return own;

  stack.push_back(canon);
  const Node& inc = own["include"];
  std::vector<Node> parts;
  auto add = [&](const Node& entry) {
    fs::path p = entry.as_string();
    if (p.is_relative()) p = file.parent_path() / p;
    parts.push_back(parse_with_includes(p, stack));
  };
  if (inc.is_sequence()) {
    for (const auto& e : inc.elements()) add(e);
  } else {
    add(inc);
  }
  stack.pop_back();

  Node merged = Node::map(own.origin());
  for (const auto& p : parts) merged = merge(merged, p);
  Node rest = Node::map(own.origin());
  for (const auto& [k, v] : own.items()) {
    if (k != "include") rest.set(k, v);
  }
  return merge(merged, rest);
}

std::vector<std::string> all_paths(const Node& n, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [k, v] : n.items()) {
    std::string p = prefix.empty() ? k : prefix + "." + k;
    out.push_back(p);
    if (v.is_map()) {
      auto sub = all_paths(v, p);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  }
  return out;
}

ScalarType scalar_type(const Node& n) {
  if (n.is_null()) return ScalarType::Null;
  return classify(n.as_string());
}

void validate_node(const Node& cfg, const Node& schema, const std::string& path,
                   const Node& root_schema) {
  auto where = [&] { return path.empty() ? std::string("<root>") : path; };
  if (schema.is_null()) return;  // null default: any value
  if (schema.is_map()) {
    if (!cfg.is_map()) {
      throw Error(ErrorKind::Config, "'" + where() + "' must be a map", cfg.origin().str(),
                  "see configs/defaults.yaml for its keys");
    }
    if (schema.items().empty()) return;  // open map
    for (const auto& [k, v] : cfg.items()) {
      std::string p = path.empty() ? k : path + "." + k;
      if (!schema.has(k)) {
        auto near = closest(k, schema.keys());
        std::string fix;
        if (near) {
          fix = "did you mean '" + (path.empty() ? *near : path + "." + *near) + "'?";
        } else {
          // The key may exist elsewhere: "lr" written at the top level.
          std::vector<std::string> matches;
          for (const auto& q : all_paths(root_schema, "")) {
            std::string leaf = q.substr(q.rfind('.') == std::string::npos ? 0 : q.rfind('.') + 1);
            if (leaf == k) matches.push_back(q);
          }
          fix = matches.empty() ? "see configs/defaults.yaml for the valid keys"
                                : "did you mean '" + matches.front() + "'?";
        }
        throw Error(ErrorKind::Config, "unknown key '" + p + "'", v.key_origin().str(), fix);
      }
      if (k == "params" && schema.has("type")) continue;  // checked by the component
      validate_node(v, schema[k], p, root_schema);
    }
    return;
  }
  if (schema.is_sequence()) {
    if (!cfg.is_sequence()) {
      throw Error(ErrorKind::Config, "'" + where() + "' must be a list", cfg.origin().str(),
                  "write it as [a, b] or one '- item' per line");
    }
    if (schema.size() > 0) {
      for (const auto& e : cfg.elements()) validate_node(e, schema[0], where() + "[]", root_schema);
    }
    return;
  }
  // Scalar default: the value must have its type (an integer is a number).
  if (!cfg.is_scalar()) {
    throw Error(ErrorKind::Config, "'" + where() + "' must be a single value, not " +
                                       (cfg.is_map() ? "a map" : cfg.is_null() ? "null" : "a list"),
                cfg.origin().str(), "see configs/defaults.yaml for its type");
  }
  ScalarType want = schema.is_quoted() ? ScalarType::String : scalar_type(schema);
  ScalarType got = cfg.is_quoted() ? ScalarType::String : scalar_type(cfg);
  bool ok = want == got || want == ScalarType::String ||
            (want == ScalarType::Float && got == ScalarType::Int);
  if (!ok) {
    throw Error(ErrorKind::Config,
                "'" + where() + "' expects " + type_name(want) + ", got '" + cfg.as_string() + "'",
                cfg.origin().str(), "the default is '" + schema.as_string() + "'");
  }
}

}  // namespace

void assign_paths(Node& node, const std::string& path) {
  node.path_ = path;
  for (auto& [k, v] : node.map_) assign_paths(v, path.empty() ? k : path + "." + k);
  for (size_t i = 0; i < node.seq_.size(); ++i) {
    assign_paths(node.seq_[i], path + "[" + std::to_string(i) + "]");
  }
}

Node merge(const Node& base, const Node& overlay) {
  if (!base.is_map() || !overlay.is_map()) return overlay;
  Node out = base;
  bool type_changed = base.has("type") && overlay.has("type") && base["type"].is_scalar() &&
                      overlay["type"].is_scalar() &&
                      base["type"].as_string() != overlay["type"].as_string();
  if (type_changed) {
    out.map_.erase(std::remove_if(out.map_.begin(), out.map_.end(),
                                  [](const auto& kv) { return kv.first == "params"; }),
                   out.map_.end());
  }
  for (const auto& [k, v] : overlay.items()) {
    out.set(k, out.has(k) ? merge(out[k], v) : v);
  }
  return out;
}

Node parse_file(const fs::path& file) {
  std::vector<fs::path> stack;
  Node n = parse_with_includes(file, stack);
  assign_paths(n, "");
  return n;
}

Node parse_string(const std::string& text, const std::string& origin_name) {
  Node n = parse_yaml(text, origin_name);
  assign_paths(n, "");
  return n;
}

const Node& defaults() {
  static const Node d = parse_string(kDefaultsYaml, "configs/defaults.yaml");
  return d;
}

Node apply_set(const Node& cfg, const std::string& assignment, const Node* schema) {
  auto eq = assignment.find('=');
  std::string origin = "--set " + assignment;
  if (eq == std::string::npos || eq == 0) {
    throw Error(ErrorKind::Config, "an override must look like a.b.c=value", origin,
                "for example --set optim.lr=3e-4");
  }
  std::string path = assignment.substr(0, eq);
  Node value = parse_yaml(assignment.substr(eq + 1), origin);
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Node overlay = value;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (it->empty()) {
      throw Error(ErrorKind::Config, "empty key in override path '" + path + "'", origin,
                  "write the path as a.b.c");
    }
    Node m = Node::map(Origin{origin, 0, 0});
    m.set(*it, overlay);
    overlay = m;
  }
  validate(overlay, schema ? *schema : defaults());
  Node out = merge(cfg, overlay);
  assign_paths(out, "");
  return out;
}

void validate(const Node& cfg, const Node& schema) { validate_node(cfg, schema, "", schema); }

Node load(const fs::path& file, const std::vector<std::string>& sets) {
  Node cfg = defaults();
  if (!file.empty()) {
    Node user = parse_file(file);
    validate(user, defaults());
    cfg = merge(cfg, user);
  }
  for (const auto& s : sets) cfg = apply_set(cfg, s);
  assign_paths(cfg, "");
  return cfg;
}

}  // namespace storefuse::config
