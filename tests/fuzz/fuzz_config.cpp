// libFuzzer target for the YAML config loader: any bytes, parsed as a config
// file, either resolve against the built-in defaults (and then print as YAML
// and JSON, and re-parse from that YAML to the same JSON) or raise a
// storefuse::Error. Anything else (a crash, a sanitizer report, another
// exception, a run past -timeout or -rss_limit_mb: the alias and size
// bounds) is a bug.
//
//   fuzz_config -max_total_time=30 CORPUS_DIR tests/fuzz/corpus_config
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace config = storefuse::config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  config::Node cfg;
  try {
    cfg = config::merge(config::defaults(), config::parse_string(text, "fuzz.yaml"));
    config::validate(cfg, config::defaults());
  } catch (const storefuse::Error&) {
    return 0;
  }
  const std::string yaml = cfg.to_yaml();
  const auto json = cfg.to_json();
  // What config show prints reads back as the same config.
  if (config::parse_string(yaml, "printed.yaml").to_json() != json) std::abort();
  return 0;
}
