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
  // Nesting is counted before parsing: an exception from nlohmann's parse
  // callback would terminate the process (it is called from noexcept code).
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) {
        throw Error(ErrorKind::Data, "the JSON nests deeper than " + std::to_string(limits.max_depth) + " levels",
                    where + " (byte " + std::to_string(i) + ")", "check what wrote it; storefuse's JSON is a few levels deep");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorKind::Data, std::string("invalid JSON: ") + e.what(),
                where + " (byte " + std::to_string(e.byte) + ")", "fix or regenerate it");
  } catch (const json::exception& e) {  // a number out of range (1e400)
    throw Error(ErrorKind::Data, std::string("invalid JSON: ") + e.what(), where, "fix or regenerate it");
  }
}

json read_json(const std::filesystem::path& path) {
  return parse_json(read_file(path, JsonLimits{}.max_bytes), path.string());
}

}  // namespace storefuse
