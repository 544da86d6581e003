#include "storefuse/core/json.h"

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"

namespace storefuse {

void write_json_atomic(const std::filesystem::path& path, const json& value) {
  write_file_atomic(path, value.dump(2) + "\n");
}

json parse_json(const std::string& text, const std::string& where, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw Error(ErrorKind::Data,
                "the JSON is " + std::to_string(text.size()) + " bytes, over the limit of " +
                    std::to_string(limits.max_bytes),
                where, "JSON here holds settings and records, not data: check what wrote it");
  }
  const auto deep = [&](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= limits.max_depth) {
      throw Error(ErrorKind::Data, "the JSON nests deeper than " + std::to_string(limits.max_depth) + " levels",
                  where, "check what wrote it; storefuse's JSON is a few levels deep");
    }
    return true;
  };
  try {
    return json::parse(text, deep);
  } catch (const json::parse_error& e) {
    throw Error(ErrorKind::Data, std::string("invalid JSON: ") + e.what(),
                where + " (byte " + std::to_string(e.byte) + ")", "fix or regenerate it");
  }
}

json read_json(const std::filesystem::path& path) { return parse_json(read_file(path), path.string()); }

}  // namespace storefuse
