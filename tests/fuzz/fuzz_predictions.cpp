// libFuzzer target for the prediction-file reader of storefuse abtest: the
// first byte picks CSV or JSONL, the rest is the file. It either reads (and
// then aligns with itself against labels of its own ids) or raises a
// storefuse::Error; anything else is a bug.
//
//   fuzz_predictions -max_total_time=30 CORPUS_DIR tests/fuzz/corpus_predictions
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "storefuse/abtest/inputs.h"
#include "storefuse/abtest/table.h"
#include "storefuse/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ab = storefuse::abtest;
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const ab::Table t = data[0] & 1 ? ab::parse_jsonl(text, "fuzz.jsonl") : ab::parse_csv(text, "fuzz.csv");
    const ab::Predictions p = ab::read_predictions(t);
    if (p.sample_ids.size() != p.dwell_s.size() || p.sample_ids.size() != p.engagement.size()) std::abort();
    if (p.has_probs() && p.probs.size() != p.sample_ids.size() * p.class_names.size()) std::abort();
    ab::Labels labels;
    labels.source = "labels";
    labels.sample_ids = p.sample_ids;
    const std::string first = p.class_names.empty() ? "0" : p.class_names.front();
    labels.behavior.assign(p.sample_ids.size(), first);
    labels.dwell_s = p.dwell_s;
    labels.engagement = p.engagement;
    const ab::PairedData d = ab::align(p, p, labels);
    if (d.size() != p.sample_ids.size()) std::abort();
  } catch (const storefuse::Error&) {
  }
  return 0;
}
