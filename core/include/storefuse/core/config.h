// Layered YAML configs with a typed schema.
//
// A config resolves in layers, later layers winning:
//   configs/defaults.yaml (built in) < include:d files (in order) < the file
//   itself < --set a.b.c=value overrides (in order).
// The defaults are the schema: every key a user writes must exist there (with
// a "did you mean" suggestion when it does not), and its value must have the
// default's type. Maps named `params` belong to a named component (its `type`)
// and are checked by that component's registry, not here.
//
//   auto cfg = storefuse::config::load("configs/seed_fusion.yaml", {"optim.lr=3e-4"});
//   double lr = cfg["optim"]["lr"].as_double(/*min_exclusive=*/0.0);
//   // a bad value throws Error(Config) naming "seed_fusion.yaml:12:7"
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::config {

struct Origin {
  std::string file;  // a path, "defaults.yaml", or "--set"
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;
  std::string str() const;  // "file:line:column"
};

class Node {
 public:
  enum class Kind { Null, Scalar, Sequence, Map };

  Node() = default;
  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_sequence() const { return kind_ == Kind::Sequence; }
  bool is_map() const { return kind_ == Kind::Map; }
  const Origin& origin() const { return origin_; }
  // Where this node's key is written in its parent map (origin() when unknown).
  const Origin& key_origin() const { return key_origin_.line > 0 ? key_origin_ : origin_; }
  void set_key_origin(Origin o) { key_origin_ = std::move(o); }
  const std::string& path() const { return path_; }  // "optim.lr", "" for the root
  bool is_quoted() const { return quoted_; }  // "1" is a string, 1 an integer

  // Maps. operator[] on a missing key throws a Config error with a suggestion.
  bool has(const std::string& key) const;
  const Node& operator[](const std::string& key) const;
  const std::vector<std::pair<std::string, Node>>& items() const { return map_; }
  std::vector<std::string> keys() const;
  // Throws a Config error for the first key not in `allowed` (with a suggestion).
  void check_keys(const std::vector<std::string>& allowed) const;

  // Sequences.
  size_t size() const { return seq_.size(); }
  const Node& operator[](size_t i) const;
  const std::vector<Node>& elements() const { return seq_; }

  // Typed scalars; each throws a Config error naming origin() on a type or
  // range mismatch. Integers are accepted where a float is expected.
  std::string as_string() const;
  bool as_bool() const;
  int64_t as_int(std::optional<int64_t> min = {}, std::optional<int64_t> max = {}) const;
  double as_double(std::optional<double> min = {}, std::optional<double> max = {}) const;
  double as_positive_double() const;  // > 0
  // One of `allowed`; the error lists them and suggests the closest.
  std::string as_choice(const std::vector<std::string>& allowed) const;
  std::vector<int64_t> as_int_list() const;
  std::vector<double> as_double_list() const;
  std::vector<std::string> as_string_list() const;

  std::string to_yaml() const;
  json to_json() const;
  // "key: value  # file:line" lines, for `config show --origins`.
  std::string to_yaml_with_origins() const;

  // Construction, used by the parser and by tests.
  static Node scalar(std::string text, bool quoted, Origin origin);
  static Node null(Origin origin);
  static Node map(Origin origin);
  static Node sequence(Origin origin);
  void set(const std::string& key, Node value);  // map insert or replace, keeps order
  void push_back(Node value);

 private:
  friend Node merge(const Node& base, const Node& overlay);
  friend void assign_paths(Node& node, const std::string& path);
  Kind kind_ = Kind::Null;
  std::string scalar_;
  bool quoted_ = false;  // "1" is a string, 1 is an int
  std::vector<std::pair<std::string, Node>> map_;
  std::vector<Node> seq_;
  Origin origin_, key_origin_;
  std::string path_;
};

// Layer `overlay` on `base`: maps merge key by key, everything else replaces.
// When a component's `type` changes, the base's `params` are dropped, since
// they belong to the old type.
Node merge(const Node& base, const Node& overlay);

// Parses one YAML file and its `include:` files (relative to the including
// file, merged in order, the file's own keys last). Cycles are errors.
Node parse_file(const std::filesystem::path& file);
Node parse_string(const std::string& text, const std::string& origin_name);

// The built-in configs/defaults.yaml.
const Node& defaults();

// Applies one "a.b.c=value" override; the value is YAML ("3e-4", "[1,2]"),
// its key checked against `schema` (nullptr: the built-in defaults).
Node apply_set(const Node& cfg, const std::string& assignment, const Node* schema = nullptr);

// Unknown keys and type mismatches against the schema (the defaults).
void validate(const Node& cfg, const Node& schema);

// defaults < file (with includes) < sets, validated. An empty `file` means
// the built-in defaults alone.
Node load(const std::filesystem::path& file, const std::vector<std::string>& sets = {});

// Levenshtein distance; the suggestion helper used in every "did you mean".
size_t edit_distance(const std::string& a, const std::string& b);
std::optional<std::string> closest(const std::string& word,
                                   const std::vector<std::string>& candidates);

}  // namespace storefuse::config
