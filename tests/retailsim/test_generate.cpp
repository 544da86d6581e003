// datagen end to end, on a few thousand samples: what the files hold, that
// they do not depend on the thread count, and the proxy check that no single
// modality is enough while all four are.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/features/text.h"
#include "storefuse/features/video.h"
#include "storefuse/features/wav.h"
#include "storefuse/retailsim/generate.h"
#include "storefuse/retailsim/probe.h"

namespace fs = std::filesystem;
namespace rs = storefuse::retailsim;
using storefuse::datasets::Batch;
using storefuse::datasets::DatasetReader;
using storefuse::datasets::Modality;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("storefuse_test_retailsim_" + name);
  fs::remove_all(p);
  return p;
}

Batch read_all(const fs::path& file) {
  auto r = DatasetReader::open(file);
  return r->read(0, r->num_rows());
}

rs::RetailSimConfig small(int64_t train, int64_t val, int64_t test) {
  rs::RetailSimConfig cfg;
  cfg.split_sizes = {train, val, test};
  cfg.chunk_rows = 128;  // several chunks even in small files
  return cfg;
}

void check_files_hold_the_seed_vectors(const fs::path& dir, const Batch& train, const rs::GenerateReport& report) {
  auto reader = DatasetReader::open(dir / "train.h5");
  const auto& spec = reader->spec();
  EXPECT_EQ(spec[Modality::Visual].shape, std::vector<int64_t>{2048});
  EXPECT_EQ(spec[Modality::Audio].shape, std::vector<int64_t>{130});
  EXPECT_EQ(spec[Modality::Text].shape, std::vector<int64_t>{768});
  EXPECT_EQ(spec[Modality::Sensor].shape, std::vector<int64_t>{10});
  EXPECT_EQ(spec.class_names.size(), 10u);
  EXPECT_EQ(reader->provenance()["source"], "retailsim");
  // The fitted feature code travels with the file: the runtime rebuilds it.
  EXPECT_NO_THROW(storefuse::features::TfidfVectorizer::from_json(spec[Modality::Text].params["tfidf"]));
  std::array<int64_t, 10> counts{};
  for (auto b : train.behavior) ++counts[b];
  EXPECT_EQ(counts, report.splits[0].label_counts);
}

void check_missing_modalities_are_masked_and_zeroed(const Batch& b, double missing_rate) {
  int64_t missing = 0;
  for (int64_t r = 0; r < b.rows; ++r) {
    int absent = 0;
    for (auto m : storefuse::datasets::kModalities) {
      if (b.present(r, m)) continue;
      ++absent;
      const auto& a = b.input(m);
      const float* x = a.as<float>() + r * a.shape[1];
      for (int64_t j = 0; j < a.shape[1]; ++j) ASSERT_EQ(x[j], 0.0f) << "row " << r;
    }
    ASSERT_LE(absent, 1);
    missing += absent;
  }
  EXPECT_NEAR(static_cast<double>(missing) / b.rows, missing_rate, 0.025);
}

void check_oracle_reaches_the_ceiling(const rs::GenerateReport& report, double label_noise) {
  for (const auto& s : report.splits) {
    if (s.rows == 0) continue;
    // The binomial sd of the observed noise rate is under 0.7 % at these sizes.
    EXPECT_NEAR(s.oracle_accuracy(), 1.0 - label_noise, 0.025);
    EXPECT_GT(s.oracle_dwell.correlation(), 0.85);
    EXPECT_GT(s.oracle_engagement.correlation(), 0.9);
  }
  EXPECT_GE(report.splits[0].dwell_quantile(0), 5.0);
  EXPECT_LE(report.splits[0].dwell_quantile(1), 900.0);
}

// The cheap proxy of the acceptance check (the trainer makes the real one):
// a linear model on any one modality stays well under 75 %, on all four it
// comes close to the ceiling.
void check_no_single_modality_is_enough(const Batch& train, const Batch& test) {
  auto results = rs::probe_each_modality_and_all(train, test);
  ASSERT_EQ(results.size(), 5u);
  double best_single = 0;
  for (int m = 0; m < 4; ++m) {
    std::cout << "  probe " << results[m].name << ": " << results[m].accuracy << "\n";
    EXPECT_LE(results[m].accuracy, 0.75) << results[m].name;
    EXPECT_GE(results[m].accuracy, 0.3) << results[m].name << " should carry real information";
    best_single = std::max(best_single, results[m].accuracy);
  }
  std::cout << "  probe all four: " << results[4].accuracy << "\n";
  EXPECT_GE(results[4].accuracy, 0.88);
  EXPECT_GE(results[4].accuracy, best_single + 0.15);
}

}  // namespace

// One dataset, generated once (ctest runs each test in its own process, so a
// shared fixture would be regenerated per test), checked from several sides.
TEST(Generate, VectorsDatasetMatchesTheDesign) {
  const fs::path dir = temp_dir("vectors");
  const rs::RetailSimConfig cfg = small(2400, 100, 800);
  rs::GenerateOptions o;
  o.out_dir = dir;
  o.progress = false;
  const rs::GenerateReport report = rs::generate(cfg, o);
  const Batch train = read_all(dir / "train.h5"), test = read_all(dir / "test.h5");
  ASSERT_EQ(train.rows, 2400);
  ASSERT_EQ(test.rows, 800);
  {
    SCOPED_TRACE("files");
    check_files_hold_the_seed_vectors(dir, train, report);
  }
  {
    SCOPED_TRACE("missing modalities");
    check_missing_modalities_are_masked_and_zeroed(train, cfg.missing_rate);
  }
  {
    SCOPED_TRACE("test stores held out");
    for (auto s : train.store_id) ASSERT_LT(s, cfg.stores - cfg.test_stores);
    for (auto s : test.store_id) ASSERT_GE(s, cfg.stores - cfg.test_stores);
  }
  {
    SCOPED_TRACE("oracle");
    check_oracle_reaches_the_ceiling(report, cfg.label_noise);
  }
  {
    SCOPED_TRACE("no single modality is enough");
    check_no_single_modality_is_enough(train, test);
  }
  fs::remove_all(dir);
}

TEST(Generate, SameSeedSameBytesWhateverTheThreadCount) {
  auto cfg = small(200, 20, 60);
  std::array<fs::path, 2> dirs = {temp_dir("threads1"), temp_dir("threads2")};
  for (int k = 0; k < 2; ++k) {
    rs::GenerateOptions o;
    o.out_dir = dirs[k];
    o.threads = k + 1;
    o.progress = false;
    rs::generate(cfg, o);
  }
  for (const char* split : {"train.h5", "val.h5", "test.h5"}) {
    Batch a = read_all(dirs[0] / split), b = read_all(dirs[1] / split);
    ASSERT_EQ(a.rows, b.rows);
    for (int m = 0; m < 4; ++m) EXPECT_EQ(a.inputs[m].bytes, b.inputs[m].bytes) << split << " modality " << m;
    EXPECT_EQ(a.mask, b.mask);
    EXPECT_EQ(a.behavior, b.behavior);
    EXPECT_EQ(a.dwell_s, b.dwell_s);
    EXPECT_EQ(a.engagement, b.engagement);
    EXPECT_EQ(a.sample_id, b.sample_id);
    EXPECT_EQ(a.timestamp, b.timestamp);
  }
  EXPECT_EQ(DatasetReader::open(dirs[0] / "train.h5")->spec(), DatasetReader::open(dirs[1] / "train.h5")->spec());
  for (auto& d : dirs) fs::remove_all(d);
}

// Sequences, with the raw media on disk: decoding the emitted files with the
// feature code gives back what the dataset holds (up to MJPG and 16-bit
// rounding) -- the same path ingest and the runtime will take.
TEST(Generate, SequencesMatchTheEmittedMedia) {
  auto cfg = small(60, 0, 20);
  cfg.flavour = "sequences";
  fs::path out = temp_dir("seq"), media = temp_dir("media");
  rs::GenerateOptions o;
  o.out_dir = out;
  o.emit_media_dir = media;
  o.progress = false;
  rs::generate(cfg, o);

  auto reader = DatasetReader::open(out / "train.h5");
  const auto& spec = reader->spec();
  EXPECT_EQ(spec[Modality::Visual].shape, (std::vector<int64_t>{16, 64, 64}));
  EXPECT_EQ(spec[Modality::Audio].shape, (std::vector<int64_t>{101, 13}));
  EXPECT_EQ(spec[Modality::Text].shape, (std::vector<int64_t>{48}));
  EXPECT_EQ(spec[Modality::Sensor].shape, (std::vector<int64_t>{32, 10}));
  auto tok = storefuse::features::Tokenizer::from_json(spec[Modality::Text].params["tokenizer"]);
  Batch b = reader->read(0, reader->num_rows());
  const int32_t* ids = b.input(Modality::Text).as<int32_t>();
  for (int64_t i = 0; i < b.rows * 48; ++i) ASSERT_LT(ids[i], tok.vocab_size());

  std::ifstream manifest(media / "train" / "manifest.csv");
  std::string header, line;
  std::getline(manifest, header);
  EXPECT_EQ(header, "sample_id,customer_id,store_id,camera_id,timestamp,video,audio,sensor,pos");
  storefuse::features::VisualParams vp;
  int64_t row = 0, checked_clips = 0;
  for (; std::getline(manifest, line); ++row) {
    ASSERT_LT(row, b.rows);
    EXPECT_EQ(std::stoll(line.substr(0, line.find(','))), b.sample_id[row]);
    std::vector<std::string> f;
    for (size_t s = 0, e; s <= line.size(); s = e + 1) {
      e = line.find(',', s);
      if (e == std::string::npos) e = line.size();
      f.push_back(line.substr(s, e - s));
    }
    ASSERT_EQ(f.size(), 9u);
    EXPECT_EQ(f[5].empty(), !b.present(row, Modality::Visual));
    EXPECT_EQ(f[6].empty(), !b.present(row, Modality::Audio));
    if (!f[6].empty()) {
      auto wav = storefuse::features::read_wav(media / "train" / f[6]);
      EXPECT_EQ(wav.sample_rate_hz, 16000);
      EXPECT_EQ(wav.samples.size(), 16000u);
    }
    if (!f[5].empty()) {
      auto frames = storefuse::features::read_clip(media / "train" / f[5], vp);
      const uint8_t* stored = b.input(Modality::Visual).as<uint8_t>() + row * frames.size();
      double diff = 0;
      for (size_t i = 0; i < frames.size(); ++i) diff += std::abs(frames[i] - stored[i]);
      EXPECT_LT(diff / frames.size(), 6.0) << "clip " << f[5] << " decodes far from the stored frames";
      ++checked_clips;
    }
  }
  EXPECT_EQ(row, b.rows);
  EXPECT_GT(checked_clips, 40);
  fs::remove_all(out);
  fs::remove_all(media);
}
