// JSON through nlohmann-json, plus atomic writers for JSON artefacts.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace storefuse {

using json = nlohmann::json;

// Bounds on one JSON document from outside (a file, a model's metadata, a
// request): past them, parse_json refuses it before it grows further.
struct JsonLimits {
  size_t max_bytes = size_t(64) << 20;
  int max_depth = 64;  // nesting of arrays and objects
};

// Parses untrusted JSON; invalid, too large or too deeply nested text is an
// Error(Data) naming `where` (and the byte where it went wrong).
json parse_json(const std::string& text, const std::string& where, const JsonLimits& limits = {});

// Pretty-printed (indent 2), written atomically.
void write_json_atomic(const std::filesystem::path& path, const json& value);
json read_json(const std::filesystem::path& path);  // parse_json of the file

}  // namespace storefuse
