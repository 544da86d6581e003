// YAML 1.2 core-schema scalar typing, shared by the config parser, validator
// and emitters.
#pragma once

#include <string>

namespace storefuse::config {

enum class ScalarType { Null, Bool, Int, Float, String };

ScalarType classify(const std::string& plain_text);
bool parse_bool(const std::string& text);
double parse_float(const std::string& text);
const char* type_name(ScalarType t);

}  // namespace storefuse::config
