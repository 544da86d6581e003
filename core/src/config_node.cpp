// config::Node: typed access with errors that name the file and line.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "config_scalar.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"

namespace storefuse::config {

std::string Origin::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {

std::string shown_path(const Node& n) { return n.path().empty() ? "<root>" : n.path(); }

[[noreturn]] void type_error(const Node& n, const std::string& expected, const std::string& got) {
  throw Error(ErrorKind::Config, "'" + shown_path(n) + "' expects " + expected + ", got " + got,
              n.origin().str(), "change the value in that file or pass --set " +
                                    shown_path(n) + "=<value>");
}

std::string describe(const Node& n) {
  if (n.is_map()) return "a map";
  if (n.is_sequence()) return "a list";
  if (n.is_null()) return "null";
  return "'" + n.as_string() + "'";
}

}  // namespace

Node Node::scalar(std::string text, bool quoted, Origin origin) {
  Node n;
  n.kind_ = Kind::Scalar;
  n.scalar_ = std::move(text);
  n.quoted_ = quoted;
  n.origin_ = std::move(origin);
  if (!quoted && classify(n.scalar_) == ScalarType::Null) n.kind_ = Kind::Null;
  return n;
}

Node Node::null(Origin origin) {
  Node n;
  n.origin_ = std::move(origin);
  return n;
}

Node Node::map(Origin origin) {
  Node n;
  n.kind_ = Kind::Map;
  n.origin_ = std::move(origin);
  return n;
}

Node Node::sequence(Origin origin) {
  Node n;
  n.kind_ = Kind::Sequence;
  n.origin_ = std::move(origin);
  return n;
}

void Node::set(const std::string& key, Node value) {
  for (auto& [k, v] : map_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  map_.emplace_back(key, std::move(value));
}

void Node::push_back(Node value) { seq_.push_back(std::move(value)); }

bool Node::has(const std::string& key) const {
  return std::any_of(map_.begin(), map_.end(), [&](const auto& kv) { return kv.first == key; });
}

std::vector<std::string> Node::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : map_) out.push_back(kv.first);
  return out;
}

const Node& Node::operator[](const std::string& key) const {
  if (!is_map()) type_error(*this, "a map (looking up '" + key + "')", describe(*this));
  for (const auto& [k, v] : map_) {
    if (k == key) return v;
  }
  std::string where = path_.empty() ? key : path_ + "." + key;
  auto near = closest(key, keys());
  throw Error(ErrorKind::Config, "missing key '" + where + "'", origin_.str(),
              near ? "did you mean '" + *near + "'?" : "add '" + key + "' to the config");
}

void Node::check_keys(const std::vector<std::string>& allowed) const {
  if (!is_map()) type_error(*this, "a map", describe(*this));
  for (const auto& [k, v] : map_) {
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string full = path_.empty() ? k : path_ + "." + k;
    auto near = closest(k, allowed);
    std::string valid;
    for (const auto& a : allowed) valid += (valid.empty() ? "" : ", ") + a;
    throw Error(ErrorKind::Config, "unknown key '" + full + "'", v.key_origin().str(),
                (near ? "did you mean '" + *near + "'? " : std::string()) + "valid keys here: " +
                    valid);
  }
}

const Node& Node::operator[](size_t i) const {
  if (!is_sequence()) type_error(*this, "a list", describe(*this));
  if (i >= seq_.size()) {
    throw Error(ErrorKind::Config, "'" + shown_path(*this) + "' has " +
                                       std::to_string(seq_.size()) + " elements, asked for #" +
                                       std::to_string(i),
                origin_.str());
  }
  return seq_[i];
}

std::string Node::as_string() const {
  if (!is_scalar()) type_error(*this, "a string", is_null() ? "null" : describe(*this));
  return scalar_;
}

bool Node::as_bool() const {
  if (!is_scalar() || quoted_ || classify(scalar_) != ScalarType::Bool) {
    type_error(*this, "true or false", describe(*this));
  }
  return parse_bool(scalar_);
}

int64_t Node::as_int(std::optional<int64_t> min, std::optional<int64_t> max) const {
  if (!is_scalar() || quoted_ || classify(scalar_) != ScalarType::Int) {
    type_error(*this, "an integer", describe(*this));
  }
  int64_t v = std::strtoll(scalar_.c_str(), nullptr, 10);
  if ((min && v < *min) || (max && v > *max)) {
    std::string range = std::string("[") + (min ? std::to_string(*min) : "-inf") + ", " +
                        (max ? std::to_string(*max) : "inf") + "]";
    type_error(*this, "an integer in " + range, scalar_);
  }
  return v;
}

double Node::as_double(std::optional<double> min, std::optional<double> max) const {
  ScalarType t = is_scalar() && !quoted_ ? classify(scalar_) : ScalarType::String;
  if (t != ScalarType::Int && t != ScalarType::Float) type_error(*this, "a number", describe(*this));
  double v = parse_float(scalar_);
  if ((min && v < *min) || (max && v > *max)) {
    std::ostringstream range;
    range << "[";
    min ? range << *min : range << "-inf";
    range << ", ";
    max ? range << *max : range << "inf";
    range << "]";
    type_error(*this, "a number in " + range.str(), scalar_);
  }
  return v;
}

double Node::as_positive_double() const {
  double v = as_double();
  if (!(v > 0.0)) type_error(*this, "a number > 0", scalar_);
  return v;
}

std::string Node::as_choice(const std::vector<std::string>& allowed) const {
  std::string v = as_string();
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  auto near = closest(v, allowed);
  throw Error(ErrorKind::Config, "'" + shown_path(*this) + "' is '" + v + "', not one of: " + list,
              origin_.str(), near ? "did you mean '" + *near + "'?" : "use one of: " + list);
}

std::vector<int64_t> Node::as_int_list() const {
  if (!is_sequence()) type_error(*this, "a list of integers", describe(*this));
  std::vector<int64_t> out;
  for (const auto& e : seq_) out.push_back(e.as_int());
  return out;
}

std::vector<double> Node::as_double_list() const {
  if (!is_sequence()) type_error(*this, "a list of numbers", describe(*this));
  std::vector<double> out;
  for (const auto& e : seq_) out.push_back(e.as_double());
  return out;
}

std::vector<std::string> Node::as_string_list() const {
  if (!is_sequence()) type_error(*this, "a list of strings", describe(*this));
  std::vector<std::string> out;
  for (const auto& e : seq_) out.push_back(e.as_string());
  return out;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest(const std::string& word,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace storefuse::config
