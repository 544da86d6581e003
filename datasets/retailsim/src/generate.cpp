#include "storefuse/retailsim/generate.h"

#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <optional>

#include "storefuse/core/progress.h"
#include "storefuse/datasets/dataset_writer.h"
#include "storefuse/retailsim/emit_media.h"
#include "storefuse/retailsim/pipeline.h"

namespace storefuse::retailsim {

using datasets::Batch;
using datasets::kNumModalities;

namespace {

void fill_targets_and_ids(const Visit& v, Batch& b, int64_t row) {
  for (int m = 0; m < kNumModalities; ++m) b.mask[row * kNumModalities + m] = v.missing != m;
  b.behavior[row] = v.label;
  b.dwell_s[row] = static_cast<float>(v.dwell_s);
  b.engagement[row] = static_cast<float>(v.engagement);
  b.sample_id[row] = v.index;
  b.customer_id[row] = v.customer_id;
  b.store_id[row] = v.store;
  b.camera_id[row] = v.store * 2 + v.camera;
  b.timestamp[row] = v.timestamp;
}

}  // namespace

GenerateReport generate(const RetailSimConfig& cfg, const GenerateOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  std::optional<tbb::global_control> threads;
  if (o.threads > 0) threads.emplace(tbb::global_control::max_allowed_parallelism, o.threads);

  const auto stores = make_stores(cfg);
  const pipeline::FeaturePipeline pipe = fit_pipeline(cfg, stores);
  const datasets::FeatureSpec spec = pipe.spec();
  std::filesystem::create_directories(o.out_dir);
  std::optional<MediaEmitter> media;
  if (!o.emit_media_dir.empty()) media.emplace(o.emit_media_dir);

  GenerateReport report;
  report.label_noise = cfg.label_noise;
  std::optional<Progress> progress;
  if (o.progress) progress.emplace("datagen", cfg.total_samples(), "samples");
  for (Split split : kSplits) {
    const int64_t n = cfg.split_sizes[static_cast<int>(split)], first = cfg.split_begin(split);
    if (n == 0) continue;
    json provenance = {{"source", "retailsim"}, {"seed", cfg.seed}, {"split", to_string(split)},
                       {"stores", cfg.split_stores(split)}, {"config", o.config}};
    datasets::DatasetWriter writer(o.out_dir / (std::string(to_string(split)) + ".h5"), spec, provenance);
    SplitReport& split_report = report.splits[static_cast<int>(split)];
    for (int64_t begin = 0; begin < n; begin += cfg.chunk_rows) {
      const int64_t rows = std::min<int64_t>(cfg.chunk_rows, n - begin);
      Batch b = Batch::allocate(spec, rows, /*has_targets=*/true);
      std::vector<Visit> visits(rows);
      std::vector<MediaEmitter::Rows> media_rows(media ? rows : 0);
      tbb::parallel_for(int64_t{0}, rows, [&](int64_t i) {
        Visit v = sample_visit(cfg, stores, first + begin + i);
        RawMedia m = render_media(cfg, stores[v.store], v);
        std::array<bool, 4> present{};
        for (int k = 0; k < kNumModalities; ++k) present[k] = v.missing != k;
        if (media) media_rows[i] = media->write_sample(v, m);  // before the pipeline takes the audio and text
        pipe.fill_row(sample_media(std::move(m), present, pipe.params()), b, i);
        fill_targets_and_ids(v, b, i);
        visits[i] = v;
        if (progress) progress->advance();
      });
      for (int64_t i = 0; i < rows; ++i) {
        split_report.add(visits[i]);
        if (media) media->add_rows(split, media_rows[i]);
      }
      writer.append(b);
    }
    writer.close();
    spdlog::debug("retailsim: wrote {} rows of {}", n, to_string(split));
  }
  if (progress) progress->finish();
  if (media) media->finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace storefuse::retailsim
