// `storefuse abtest` with ONNX models: predictions through the runtime,
// latency/size/memory, drift against the feature summary in the metadata, and
// the bad inputs a model comparison can meet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "onnx_builder.h"
#include "storefuse/abtest/models.h"
#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/metrics/feature_summary.h"
#include "synthetic_dataset.h"

namespace storefuse::cli {
int run_abtest(const std::vector<std::string>& args);
}

namespace storefuse::abtest {
namespace {

namespace fs = std::filesystem;
using testing::DatasetSpec;
using testing::write_dataset;

// behavior_logits = visual @ W (W[j][j] = 6 for j < 3, plus 6 * `confusion` on
// W[j][(j+1) % 3]); dwell_s = 10 + mean(visual); engagement = sigmoid(mean).
// Metadata: the feature spec and, when given, the training set's summary.
fs::path write_model(const std::string& name, float confusion, const json& summary, int64_t text_dim = 32) {
  using infer::DType;
  infer::testing::OnnxBuilder b;
  b.input("visual", DType::Float32, {-1, 64}).input("audio", DType::Float32, {-1, 130});
  b.input("text", DType::Float32, {-1, text_dim}).input("sensor", DType::Float32, {-1, 10});
  b.input("mask", DType::UInt8, {-1, 4});
  std::vector<float> w(64 * 3, 0.0f);
  for (int j = 0; j < 3; ++j) {
    w[j * 3 + j] = 6.0f;  // confident enough to be calibrated where right
    w[j * 3 + (j + 1) % 3] = 6.0f * confusion;
  }
  b.initializer("W", infer::Tensor::from_vector<float>({64, 3}, w));
  b.initializer("ten", infer::Tensor::from_vector<float>({1}, {10.0f}));
  b.node("MatMul", {"visual", "W"}, {"behavior_logits"});
  auto& mean = b.node("ReduceMean", {"visual"}, {"m"});
  infer::testing::set_ints(mean, "axes", {1});
  infer::testing::set_int(mean, "keepdims", 0);
  b.node("Add", {"m", "ten"}, {"dwell_s"});
  b.node("Sigmoid", {"m"}, {"engagement"});
  b.output("behavior_logits").output("dwell_s").output("engagement");
  auto add_meta = [&](const char* key, const std::string& value) {
    auto* p = b.proto().add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  };
  add_meta(infer::metadata::kFeatureSpec, testing::dataset_feature_spec(text_dim).to_json().dump());
  if (!summary.is_null()) add_meta(infer::metadata::kFeatureSummary, summary.dump());
  const auto path = testing::dataset_dir() / (name + ".onnx");
  std::ofstream(path, std::ios::binary) << b.bytes();
  return path;
}

struct Fixture {
  fs::path train, test, shifted, a, b;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    x.train = write_dataset("m_train", {0.0, 1.0, 11});
    x.test = write_dataset("m_test", {0.0, 1.0, 12, 0.1, 900});
    x.shifted = write_dataset("m_shifted", {0.2, 1.3, 13, 0.1, 900});
    const json summary = metrics::summarize_features(x.train);
    x.a = write_model("a", 0.9f, summary);
    x.b = write_model("b", 0.0f, summary);
    return x;
  }();
  return f;
}

json compare(const fs::path& a, const fs::path& b, const fs::path& data, const std::string& out,
             std::vector<std::string> extra = {}) {
  const auto dir = testing::dataset_dir() / out;
  std::vector<std::string> args = {"--a", a.string(), "--b", b.string(), "--data", data.string(), "--out",
                                   dir.string(), "--set", "abtest.resamples=300", "--set",
                                   "abtest.latency_samples=60", "--set", "abtest.latency_warmup=5",
                                   // microsecond models: the p99 guardrail would only judge noise
                                   "--set", "abtest.decision.max_p99_latency_regression=-1"};
  args.insert(args.end(), extra.begin(), extra.end());
  EXPECT_EQ(cli::run_abtest(args), 0);
  return read_json(dir / "report.json");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The dataset directory of this process goes when the process ends its tests.
class RemoveDatasetDir : public ::testing::Environment {
  void TearDown() override { fs::remove_all(testing::dataset_dir()); }
};
[[maybe_unused]] const auto* const kRemoveDatasetDir = ::testing::AddGlobalTestEnvironment(new RemoveDatasetDir);

TEST(AbtestModels, OnnxModelsGetLatencySizeMemoryAndDrift) {
  const auto& f = fixture();
  const json r = compare(f.a, f.b, f.test, "onnx");
  EXPECT_EQ(r["verdict"], "PROMOTE_B") << r["reasons"].dump(1);
  EXPECT_GT(r["offline"]["model_b"]["behavior"]["accuracy"].get<double>(), 0.99);
  const json& op = r["offline"]["operational"];
  EXPECT_EQ(op["samples"], 60);
  EXPECT_EQ(op["threads"], 1);
  EXPECT_EQ(op["a"]["file_bytes"].get<int64_t>(), int64_t(fs::file_size(f.a)));
  EXPECT_GT(op["a"]["peak_memory_bytes"].get<int64_t>(), 0) << op.dump(1);
  EXPECT_GT(op["b"]["peak_memory_bytes"].get<int64_t>(), 0) << op.dump(1);
  EXPECT_EQ(r["offline"]["latency_ms"]["n"], 60);
  EXPECT_GT(r["offline"]["latency_ms"]["a"]["p50"].get<double>(), 0);
  ASSERT_EQ(r["offline"]["drift"].size(), 2u);
  for (const auto& d : r["offline"]["drift"]) {
    EXPECT_TRUE(d["available"].get<bool>());
    EXPECT_LT(d["report"]["max_psi"].get<double>(), metrics::kPsiModerate) << d.dump();
  }
  // The report's other two forms carry both sections.
  std::ifstream md(testing::dataset_dir() / "onnx" / "report.md"), html(testing::dataset_dir() / "onnx" / "report.html");
  const std::string mds((std::istreambuf_iterator<char>(md)), {}), htmls((std::istreambuf_iterator<char>(html)), {});
  EXPECT_NE(mds.find("### Data drift"), std::string::npos);
  EXPECT_NE(mds.find("### Operational"), std::string::npos);
  EXPECT_NE(htmls.find("id=\"drift\""), std::string::npos);
  EXPECT_NE(htmls.find("id=\"operational\""), std::string::npos);
}

TEST(AbtestModels, AWinOnAShiftedSetIsFlaggedNotPromoted) {
  const auto& f = fixture();
  const json r = compare(f.a, f.b, f.shifted, "shifted", {"--set", "abtest.memory=false"});
  EXPECT_EQ(r["verdict"], "INCONCLUSIVE") << r["reasons"].dump(1);
  bool flagged = false;
  for (const auto& c : r["reasons"]) flagged |= c["check"] == "drift" && c["status"] == "inconclusive";
  EXPECT_TRUE(flagged) << r["reasons"].dump(1);
  EXPECT_GE(r["offline"]["drift"][0]["report"]["max_psi"].get<double>(), metrics::kPsiMajor);
  // The same comparison with the drift rule off promotes B.
  const json off = compare(f.a, f.b, f.shifted, "shifted_off",
                           {"--set", "abtest.memory=false", "--set", "abtest.decision.max_drift_psi=-1"});
  EXPECT_EQ(off["verdict"], "PROMOTE_B");
}

TEST(AbtestModels, ModelWithoutSummarySkipsDriftWithAReason) {
  const auto& f = fixture();
  const auto bare = write_model("bare", 0.0f, json(nullptr));
  const json r = compare(f.a, bare, f.test, "bare", {"--set", "abtest.memory=false", "--set", "abtest.latency_samples=0"});
  EXPECT_FALSE(r["offline"]["drift"][1]["available"].get<bool>());
  EXPECT_FALSE(r["offline"].contains("latency_ms"));
  bool skipped = false;
  for (const auto& c : r["reasons"]) skipped |= c["check"] == "drift" && c["status"] == "skipped";
  EXPECT_TRUE(skipped);
}

TEST(AbtestModels, BadInputsAreClearErrors) {
  const auto& f = fixture();
  const auto out = (testing::dataset_dir() / "bad").string();
  // Models with different input specs.
  const auto wide = write_model("wide_text", 0.0f, json(nullptr), 48);
  std::string e = error_of([&] { cli::run_abtest({"--a", f.a.string(), "--b", wide.string(), "--data", f.test.string(), "--out", out}); });
  EXPECT_NE(e.find("different inputs"), std::string::npos) << e;
  EXPECT_NE(e.find("modalities.text.shape"), std::string::npos) << e;
  // A dataset that does not fit the models.
  const auto wide_data = write_dataset("m_wide", {0.0, 1.0, 14, 0.1, 50, 48});
  e = error_of([&] { cli::run_abtest({"--a", f.a.string(), "--b", f.b.string(), "--data", wide_data.string(), "--out", out}); });
  EXPECT_NE(e.find("text input"), std::string::npos) << e;
  // A dataset without labels.
  const auto unlabelled = write_dataset("m_unlabelled", {0.0, 1.0, 15, 0.1, 50, 32, false});
  e = error_of([&] { cli::run_abtest({"--a", f.a.string(), "--b", f.b.string(), "--data", unlabelled.string(), "--out", out}); });
  EXPECT_NE(e.find("no labels"), std::string::npos) << e;
  // A label file where a dataset is needed.
  const auto labels = testing::dataset_dir() / "labels.csv";
  std::ofstream(labels) << "sample_id,behavior,dwell_s,engagement\n1,browsing,1,0\n";
  e = error_of([&] { cli::run_abtest({"--a", f.a.string(), "--b", f.b.string(), "--data", labels.string(), "--out", out}); });
  EXPECT_NE(e.find("needs a storefuse dataset"), std::string::npos) << e;
  // A directory that is no run.
  e = error_of([&] { cli::run_abtest({"--a", testing::dataset_dir().string(), "--b", f.b.string(), "--data", f.test.string(), "--out", out}); });
  EXPECT_NE(e.find("not a storefuse run directory: it has no config.yaml"), std::string::npos) << e;
}

}  // namespace
}  // namespace storefuse::abtest
