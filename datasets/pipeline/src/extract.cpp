#include "storefuse/pipeline/extract.h"

#include <tbb/parallel_for.h>

#include <set>

#include "storefuse/core/error.h"
#include "storefuse/core/progress.h"

namespace storefuse::pipeline {
namespace fs = std::filesystem;
using datasets::Batch;
using datasets::Flavour;

namespace {

SampleMedia load_checked(const Manifest& man, const ManifestRow& row, const PosLogs& pos,
                         const PipelineParams& params, const ExtractOptions& o) {
  if (o.labels && !o.labels->count(row.sample_id)) {
    throw Error(ErrorKind::Data, "the labels file has no row for this sample", man.where(row),
                "add the sample's label, remove it from the manifest, or pass --skip-bad");
  }
  return load_sample(man, row, pos, params);
}

Skipped to_skipped(const ManifestRow& row, const std::exception_ptr& error) {
  Skipped s{row.line, row.sample_id, "", ""};
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    s.where = e.where();
    s.reason = e.problem();
  } catch (const std::exception& e) {
    s.reason = e.what();
  }
  return s;
}

// Rows [begin, end) through `work` in parallel; errors kept per row, then
// handled in manifest order: thrown, or recorded and marked bad.
template <class Work>
std::vector<char> run_rows(const Manifest& man, int64_t begin, int64_t end, const std::set<int64_t>& done,
                           const ExtractOptions& o, std::vector<Skipped>& skipped, Work&& work) {
  const int64_t n = end - begin;
  std::vector<std::exception_ptr> errors(n);
  std::vector<char> good(n, 0);
  tbb::parallel_for(int64_t{0}, n, [&](int64_t i) {
    const ManifestRow& row = man.rows[begin + i];
    if (!done.count(row.line)) {
      try {
        work(row, i);
        good[i] = 1;
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
    if (o.progress) o.progress->advance();
  });
  for (int64_t i = 0; i < n; ++i) {
    if (!errors[i]) continue;
    if (!o.skip_bad) std::rethrow_exception(errors[i]);
    skipped.push_back(to_skipped(man.rows[begin + i], errors[i]));
  }
  return good;
}

std::set<int64_t> skipped_lines(const std::vector<Skipped>& skipped) {
  std::set<int64_t> lines;
  for (const auto& s : skipped) lines.insert(s.line);
  return lines;
}

}  // namespace

json to_json(const std::vector<Skipped>& skipped) {
  json list = json::array();
  for (const auto& s : skipped) {
    list.push_back({{"manifest_line", s.line}, {"sample_id", s.sample_id}, {"where", s.where}, {"reason", s.reason}});
  }
  return list;
}

std::string summarize(const std::vector<Skipped>& skipped, size_t first) {
  std::string out = std::to_string(skipped.size()) + (skipped.size() == 1 ? " sample" : " samples");
  for (size_t i = 0; i < skipped.size() && i < first; ++i) {
    const auto& s = skipped[i];
    out += (i == 0 ? ": " : "; ") + std::string("sample ") + std::to_string(s.sample_id) + ": " + s.reason +
           " (" + s.where + ")";
  }
  if (skipped.size() > first) out += "; and " + std::to_string(skipped.size() - first) + " more";
  return out;
}

void extract(const Manifest& man, const PosLogs& pos, const FeaturePipeline& fx, const ExtractOptions& o,
             std::vector<Skipped>& skipped, const std::function<void(const Batch&)>& sink) {
  const std::set<int64_t> done = skipped_lines(skipped);
  const int64_t n = static_cast<int64_t>(man.rows.size());
  const bool targets = o.labels != nullptr;
  for (int64_t begin = 0; begin < n; begin += o.chunk_rows) {
    const int64_t end = std::min(n, begin + o.chunk_rows);
    Batch b = Batch::allocate(fx.spec(), end - begin, targets);
    auto good = run_rows(man, begin, end, done, o, skipped, [&](const ManifestRow& row, int64_t i) {
      fx.fill_row(load_checked(man, row, pos, fx.params(), o), b, i);
      b.sample_id[i] = row.sample_id;
      b.customer_id[i] = row.customer_id;
      b.store_id[i] = row.store_id;
      b.camera_id[i] = row.camera_id;
      b.timestamp[i] = row.timestamp;
      if (targets) {
        const Label& l = o.labels->at(row.sample_id);
        b.behavior[i] = l.behavior;
        b.dwell_s[i] = l.dwell_s;
        b.engagement[i] = l.engagement;
      }
    });
    int64_t kept = 0;
    for (char g : good) kept += g;
    if (kept == b.rows) {
      sink(b);
    } else if (kept > 0) {
      Batch compact = Batch::allocate(fx.spec(), kept, targets);
      for (int64_t i = 0, r = 0; i < b.rows; ++i) {
        if (good[i]) datasets::copy_rows(b, i, compact, r++, 1);
      }
      sink(compact);
    }
  }
}

FeaturePipeline fit_pipeline(const Manifest& man, const PosLogs& pos, Flavour flavour,
                             const PipelineParams& params, std::vector<std::string> class_names,
                             const ExtractOptions& o, std::vector<Skipped>& skipped) {
  const int64_t n = static_cast<int64_t>(man.rows.size());
  std::vector<SampleMedia> media(n);
  auto good = run_rows(man, 0, n, skipped_lines(skipped), o, skipped, [&](const ManifestRow& row, int64_t i) {
    SampleMedia m = load_checked(man, row, pos, params, o);
    media[i].present = m.present;  // only what the fit needs
    media[i].text = std::move(m.text);
    media[i].sensor_window = std::move(m.sensor_window);
  });
  std::vector<SampleMedia> train;
  for (int64_t i = 0; i < n; ++i) {
    if (good[i]) train.push_back(std::move(media[i]));
  }
  if (train.empty()) {
    throw Error(ErrorKind::Data, "every sample was skipped, nothing to fit the features on: " + summarize(skipped),
                man.file.string(), "fix or replace the samples' media; --skip-bad leaves out only some of them");
  }
  return FeaturePipeline::fit(flavour, params, std::move(class_names), train);
}

}  // namespace storefuse::pipeline
