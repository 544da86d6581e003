#include "synthetic_data.h"

#include <random>

#include "storefuse/datasets/dataset_writer.h"

namespace storefuse::train::synthetic {

datasets::FeatureSpec tiny_spec() {
  datasets::FeatureSpec spec;
  const int64_t dims[] = {16, 8, 12, 4};
  for (int m = 0; m < datasets::kNumModalities; ++m) spec.modalities[m].shape = {dims[m]};
  spec.class_names = {"browse", "pick_up", "compare", "purchase"};
  return spec;
}

void write_separable(const std::filesystem::path& file, int64_t rows, uint64_t seed, int64_t chunk_rows) {
  const auto spec = tiny_spec();
  std::mt19937_64 prototypes_rng(1234), rng(seed);  // the same classes in every file
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<float> uniform;
  std::vector<std::vector<float>> proto(datasets::kNumModalities * kClasses);
  for (int m = 0; m < datasets::kNumModalities; ++m)
    for (int c = 0; c < kClasses; ++c)
      for (int64_t d = 0; d < spec.modalities[m].shape[0]; ++d)
        proto[m * kClasses + c].push_back(2.0f * normal(prototypes_rng));

  auto b = datasets::Batch::allocate(spec, rows, true);
  for (int64_t r = 0; r < rows; ++r) {
    const int c = static_cast<int>(rng() % kClasses);
    bool any = false;
    for (int m = 0; m < datasets::kNumModalities; ++m) {
      const bool present = uniform(rng) > 0.2f || (m == 3 && !any);
      any |= present;
      b.mask[r * datasets::kNumModalities + m] = present;
      const int64_t dim = spec.modalities[m].shape[0];
      float* x = b.inputs[m].as<float>() + r * dim;
      for (int64_t d = 0; d < dim; ++d) x[d] = present ? proto[m * kClasses + c][d] + normal(rng) : 0.0f;
    }
    b.behavior[r] = c;
    b.dwell_s[r] = 20.0f + 15.0f * c + 2.0f * normal(rng);
    b.engagement[r] = 0.2f + 0.2f * c;
    b.sample_id[r] = r;
  }
  datasets::WriterOptions options;
  options.chunk_rows = chunk_rows;
  datasets::DatasetWriter writer(file, spec, {{"source", "test"}, {"seed", seed}}, options);
  writer.append(b);
  writer.close();
}

std::vector<std::string> tiny_run_sets(const std::filesystem::path& dir) {
  return {"run.root=" + dir.string(),
          "run.threads=1",
          "data.train=" + (dir / "train.h5").string(),
          "data.val=" + (dir / "val.h5").string(),
          "data.batch_size=32",
          "model.params.embed_dim=16",
          "model.params.heads=2",
          "model.params.encoder_hidden=[16, 8, 16, 8]",
          "model.params.fusion_hidden=[32, 16]",
          "optim.lr=3e-3",
          "train.log_every_steps=1"};
}

}  // namespace storefuse::train::synthetic
