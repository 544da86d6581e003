#include "storefuse/core/json.h"

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"

namespace storefuse {

void write_json_atomic(const std::filesystem::path& path, const json& value) {
  write_file_atomic(path, value.dump(2) + "\n");
}

json read_json(const std::filesystem::path& path) {
  std::string text = read_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorKind::Data, std::string("invalid JSON: ") + e.what(),
                path.string() + " (byte " + std::to_string(e.byte) + ")",
                "fix or regenerate the file");
  }
}

}  // namespace storefuse
