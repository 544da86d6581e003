// JSON through nlohmann-json, plus atomic writers for JSON artefacts.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace storefuse {

using json = nlohmann::json;

// Pretty-printed (indent 2), written atomically.
void write_json_atomic(const std::filesystem::path& path, const json& value);
json read_json(const std::filesystem::path& path);

}  // namespace storefuse
