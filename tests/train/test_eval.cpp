// `storefuse eval` on a tiny trained run: the library (predict, evaluate_run)
// and the subcommand, its reports, slices and errors.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/datasets/dataset_writer.h"
#include "storefuse/train/evaluation.h"
#include "storefuse/train/trained_model.h"
#include "storefuse/train/trainer.h"
#include "synthetic_data.h"

using namespace storefuse;
using namespace storefuse::train;
namespace fs = std::filesystem;

namespace {

// A copy of `src` with its rows spread over stores 0..2 and cameras 0..1, and
// `spec` in place of its own (same shapes, so the rows still fit).
void copy_with_ids(const fs::path& src, const fs::path& dst, datasets::FeatureSpec spec) {
  auto reader = datasets::DatasetReader::open(src);
  auto rows = reader->read(0, reader->num_rows());
  for (int64_t r = 0; r < rows.rows; ++r) {
    rows.store_id[r] = static_cast<int32_t>(r % 3);
    rows.camera_id[r] = static_cast<int32_t>(r % 2);
  }
  datasets::DatasetWriter writer(dst, std::move(spec), {{"source", "test_eval"}});
  writer.append(rows);
  writer.close();
}

class Eval : public ::testing::Test {
 protected:
  // One tiny run for the whole suite: 2 epochs of the shrunk seed network.
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("storefuse_eval_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    synthetic::write_separable(dir_ / "train.h5", 512, 1);
    synthetic::write_separable(dir_ / "val.h5", 256, 2);
    copy_with_ids(dir_ / "val.h5", dir_ / "test.h5", synthetic::tiny_spec());
    auto sets = synthetic::tiny_run_sets(dir_);
    sets.insert(sets.end(), {"run.name=tiny", "train.epochs=2"});
    ASSERT_EQ(run_training(config::load("", sets), false), 0);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static EvalRequest request(const fs::path& data, const std::string& out) {
    EvalRequest r;
    r.run_dir = dir_ / "tiny";
    r.data = data;
    r.out_dir = dir_ / out;
    r.progress = false;
    return r;
  }

  static fs::path dir_;
};

fs::path Eval::dir_;

// Runs the eval CLI; returns its exit code and fills `out` with stdout+stderr.
int run_cli(const std::vector<std::string>& args, std::string& out) {
  std::string cmd = STOREFUSE_EVAL_CLI;
  for (const auto& a : args) cmd += " '" + a + "'";
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  return WEXITSTATUS(pclose(pipe));
}

// A copy of `src` where the modalities not in `keep` are changed: zeroed
// with mask 0 (`hide`) or, with `scramble`, filled with noise, mask untouched.
void copy_changing(const fs::path& src, const fs::path& dst, const datasets::ModalitySet& keep, bool scramble) {
  auto reader = datasets::DatasetReader::open(src);
  auto rows = reader->read(0, reader->num_rows());
  std::mt19937 rng(5);
  std::normal_distribution<float> noise(0.0f, 3.0f);
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    if (keep[k]) continue;
    auto& in = rows.inputs[k];
    ASSERT_EQ(in.dtype, datasets::DType::Float32);
    float* x = in.as<float>();
    for (size_t i = 0; i < in.bytes.size() / sizeof(float); ++i) x[i] = scramble ? noise(rng) : 0.0f;
    if (!scramble) {
      for (int64_t r = 0; r < rows.rows; ++r) rows.mask[r * datasets::kNumModalities + k] = 0;
    }
  }
  datasets::DatasetWriter writer(dst, reader->spec(), {{"source", "test_eval"}});
  writer.append(rows);
  writer.close();
}

}  // namespace

// --drop-modality gives what the same data with that modality missing from
// every row gives, and the report names the modalities it used.
TEST_F(Eval, DroppingAModalityEqualsDataWithoutIt) {
  auto r = request(dir_ / "test.h5", "drop_text");
  r.drop_modalities = {"text"};
  auto dropped = evaluate_run(r);
  copy_changing(dir_ / "test.h5", dir_ / "no_text.h5", {true, true, false, true}, false);
  auto reference = evaluate_run(request(dir_ / "no_text.h5", "no_text"));
  EXPECT_EQ(dropped.overall.accuracy, reference.overall.accuracy);
  EXPECT_EQ(dropped.overall.dwell_mae_s, reference.overall.dwell_mae_s);
  EXPECT_EQ(dropped.overall.engagement_pearson, reference.overall.engagement_pearson);
  for (const auto& [key, report] : dropped.slices.at("missing_modality")) {
    EXPECT_NE(key.find("text"), std::string::npos) << "a row still had text: " << key;
  }
  EXPECT_EQ(read_json(dropped.json_file)["modalities"], json({"visual", "audio", "sensor"}));
  auto full = evaluate_run(request(dir_ / "test.h5", "full"));
  EXPECT_EQ(read_json(full.json_file)["modalities"], json({"visual", "audio", "text", "sensor"}));
}

// data.modalities: a run trained on one modality never sees the others, in
// training or in evaluation: noise in them changes nothing.
TEST_F(Eval, ARunOnAModalitySubsetIgnoresTheOthers) {
  auto sets = synthetic::tiny_run_sets(dir_);
  sets.insert(sets.end(), {"run.name=audio_only", "train.epochs=1", "data.modalities=[audio]"});
  ASSERT_EQ(run_training(config::load("", sets), false), 0);
  copy_changing(dir_ / "test.h5", dir_ / "scrambled.h5", {false, true, false, false}, true);
  auto r = request(dir_ / "test.h5", "audio_clean");
  r.run_dir = dir_ / "audio_only";
  auto clean = evaluate_run(r);
  r.data = dir_ / "scrambled.h5";
  r.out_dir = dir_ / "audio_scrambled";
  auto scrambled = evaluate_run(r);
  EXPECT_EQ(clean.overall.accuracy, scrambled.overall.accuracy);
  EXPECT_EQ(clean.overall.dwell_mae_s, scrambled.overall.dwell_mae_s);
  EXPECT_EQ(clean.overall.engagement_pearson, scrambled.overall.engagement_pearson);
  EXPECT_EQ(read_json(clean.json_file)["modalities"], json({"audio"}));
  // The full model does see the scrambled modalities.
  auto full_clean = evaluate_run(request(dir_ / "test.h5", "f_clean"));
  auto full_scrambled = evaluate_run(request(dir_ / "scrambled.h5", "f_scrambled"));
  EXPECT_NE(full_clean.overall.dwell_mae_s, full_scrambled.overall.dwell_mae_s);
}

TEST_F(Eval, CommandRejectsUnknownOrAllModalitiesDropped) {
  std::string out;
  const std::vector<std::string> base = {"--run", (dir_ / "tiny").string(), "--data", (dir_ / "test.h5").string(),
                                         "--out", (dir_ / "cli_drop").string(), "--no-progress"};
  auto args = base;
  args.insert(args.end(), {"--drop-modality", "sensor"});
  ASSERT_EQ(run_cli(args, out), 0) << out;
  EXPECT_NE(out.find("removed at test time: sensor"), std::string::npos) << out;
  out.clear();
  args = base;
  args.insert(args.end(), {"--drop-modality", "video"});
  EXPECT_EQ(run_cli(args, out), 2) << out;
  EXPECT_NE(out.find("unknown modality 'video'"), std::string::npos) << out;
  out.clear();
  args = base;
  for (const char* m : {"visual", "audio", "text", "sensor"}) args.insert(args.end(), {"--drop-modality", m});
  EXPECT_EQ(run_cli(args, out), 2) << out;
  EXPECT_NE(out.find("removes every modality"), std::string::npos) << out;
}

TEST_F(Eval, BestCheckpointReproducesItsValidationMetrics) {
  auto result = evaluate_run(request(dir_ / "val.h5", "on_val"));
  json best;
  std::ifstream log(dir_ / "tiny" / "metrics.jsonl");
  for (std::string line; std::getline(log, line);) {
    json r = json::parse(line);
    if (r["kind"] == "epoch" && (best.is_null() || r["val/accuracy"] > best["val/accuracy"])) best = r;
  }
  ASSERT_FALSE(best.is_null());
  EXPECT_EQ(result.overall.n, 256);
  EXPECT_DOUBLE_EQ(result.overall.accuracy, best["val/accuracy"].get<double>());
  EXPECT_NEAR(result.overall.dwell_mae_s, best["val/dwell_mae_s"].get<double>(), 1e-4);
  EXPECT_GT(result.overall.accuracy, 0.6);  // 4 separable classes, chance is 0.25
}

TEST_F(Eval, WritesReportsWithEverySlice) {
  auto result = evaluate_run(request(dir_ / "test.h5", "reports"));
  ASSERT_TRUE(fs::exists(result.json_file));
  ASSERT_TRUE(fs::exists(result.markdown_file));
  json j = read_json(result.json_file);
  EXPECT_EQ(j["overall"]["n"], 256);
  for (const char* key : {"accuracy", "macro_f1", "top2_accuracy", "ece", "per_class", "confusion"}) {
    EXPECT_TRUE(j["overall"]["behavior"].contains(key)) << key;
  }
  EXPECT_EQ(j["slices"]["store_id"].size(), 3u);
  EXPECT_EQ(j["slices"]["camera_id"].size(), 2u);
  EXPECT_TRUE(j["slices"]["missing_modality"].contains("none"));
  for (const char* slice : {"store_id", "camera_id", "missing_modality"}) {
    int64_t n = 0;
    for (const auto& [key, r] : j["slices"][slice].items()) n += r["n"].get<int64_t>();
    EXPECT_EQ(n, 256) << slice << " slices must partition the samples";
  }
  // A slice's report is the overall report restricted to its rows.
  int64_t correct = 0;
  for (const auto& [key, r] : result.slices.at("store_id")) correct += std::llround(r.accuracy * r.n);
  EXPECT_EQ(correct, std::llround(result.overall.accuracy * 256));
  const std::string md = read_file(result.markdown_file);
  EXPECT_NE(md.find("## By store_id"), std::string::npos);
  EXPECT_NE(md.find("Confusion matrix"), std::string::npos);
}

// A split written by `storefuse datagen` has datagen_report.json beside it;
// the report then sets the model beside RetailSim's oracle for that split.
TEST_F(Eval, ShowsRetailSimsOracleBesideTheModel) {
  const fs::path split = dir_ / "oracle";
  fs::create_directories(split);
  fs::copy_file(dir_ / "test.h5", split / "test.h5", fs::copy_options::overwrite_existing);
  const json oracle = {{"accuracy", 0.962}, {"dwell_mae_s", 5.18}, {"engagement_corr", 0.994}};
  write_json_atomic(split / "datagen_report.json",
                    {{"accuracy_ceiling", 0.97}, {"test", {{"rows", 256}, {"oracle", oracle}}}});
  auto result = evaluate_run(request(split / "test.h5", "oracle_report"));
  json j = read_json(result.json_file);
  ASSERT_TRUE(j.contains("retailsim_oracle"));
  EXPECT_DOUBLE_EQ(j["retailsim_oracle"]["accuracy"].get<double>(), 0.962);
  EXPECT_DOUBLE_EQ(j["retailsim_oracle"]["accuracy_ceiling"].get<double>(), 0.97);
  EXPECT_DOUBLE_EQ(j["retailsim_oracle"]["dwell_mae_s"].get<double>(), 5.18);
  EXPECT_DOUBLE_EQ(j["retailsim_oracle"]["engagement_pearson"].get<double>(), 0.994);
  const std::string md = read_file(result.markdown_file);
  EXPECT_NE(md.find("## Beside RetailSim's oracle"), std::string::npos);
  EXPECT_NE(md.find("| dwell MAE (s) | "), std::string::npos);

  // A report of another size (say, a subset of the split) is not this data's oracle.
  write_json_atomic(split / "datagen_report.json",
                    {{"accuracy_ceiling", 0.97}, {"test", {{"rows", 2000}, {"oracle", oracle}}}});
  EXPECT_FALSE(read_json(evaluate_run(request(split / "test.h5", "oracle_other")).json_file)
                   .contains("retailsim_oracle"));
  // Without a report, none (the data of the other tests).
  EXPECT_FALSE(read_json(evaluate_run(request(dir_ / "test.h5", "no_oracle")).json_file).contains("retailsim_oracle"));
}

TEST_F(Eval, RefusesADatasetWithAnotherFeatureSpec) {
  auto spec = synthetic::tiny_spec();
  spec.modalities[1].params = {{"n_mfcc", 13}};
  copy_with_ids(dir_ / "val.h5", dir_ / "other_spec.h5", spec);
  try {
    evaluate_run(request(dir_ / "other_spec.h5", "other"));
    FAIL() << "expected a Data error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Data);
    EXPECT_NE(std::string(e.what()).find("modalities.audio.params.n_mfcc"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "other" / "eval.json"));
}

TEST_F(Eval, NamesAMissingRunOrCheckpoint) {
  auto r = request(dir_ / "val.h5", "x");
  r.run_dir = dir_ / "no_such_run";
  try {
    evaluate_run(r);
    FAIL() << "expected an Io error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
    EXPECT_NE(e.where().find("no_such_run"), std::string::npos);
  }
  r = request(dir_ / "val.h5", "x");
  r.checkpoint = "first";
  EXPECT_THROW(evaluate_run(r), Error);
}

TEST_F(Eval, CommandPrintsATableAndWritesIntoTheRun) {
  std::string out;
  ASSERT_EQ(run_cli({"--run", (dir_ / "tiny").string(), "--data", (dir_ / "test.h5").string(),
                     "--checkpoint", "last", "--no-progress"}, out), 0) << out;
  EXPECT_NE(out.find("behaviour accuracy"), std::string::npos) << out;
  EXPECT_NE(out.find("by missing_modality"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir_ / "tiny" / "eval.json"));
  out.clear();
  EXPECT_EQ(run_cli({"--run", (dir_ / "absent").string(), "--data", (dir_ / "test.h5").string()}, out), 1);
  EXPECT_NE(out.find("no run directory"), std::string::npos) << out;
}
