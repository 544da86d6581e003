#include "config_scalar.h"

#include <cmath>
#include <cstdlib>
#include <regex>

namespace storefuse::config {

ScalarType classify(const std::string& s) {
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex float_re(
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarType::Null;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return ScalarType::Bool;
  }
  if (std::regex_match(s, int_re)) return ScalarType::Int;
  if (std::regex_match(s, float_re)) return ScalarType::Float;
  return ScalarType::String;
}

bool parse_bool(const std::string& s) { return s[0] == 't' || s[0] == 'T'; }

double parse_float(const std::string& s) {
  if (s.find("inf") != std::string::npos || s.find("Inf") != std::string::npos ||
      s.find("INF") != std::string::npos) {
    return s[0] == '-' ? -INFINITY : INFINITY;
  }
  if (s.find("nan") != std::string::npos || s.find("NaN") != std::string::npos ||
      s.find("NAN") != std::string::npos) {
    return NAN;
  }
  return std::strtod(s.c_str(), nullptr);
}

const char* type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Null: return "null";
    case ScalarType::Bool: return "a boolean";
    case ScalarType::Int: return "an integer";
    case ScalarType::Float: return "a number";
    case ScalarType::String: return "a string";
  }
  return "a value";
}

}  // namespace storefuse::config
