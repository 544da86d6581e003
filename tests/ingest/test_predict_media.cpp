// storefuse-infer predict --media rebuilds the features from raw files with
// the feature spec stored in the model and feeds the model exactly what
// ingest writes: the features it saves (--save-features) equal ingest's
// dataset byte for byte, and its predictions equal those from --data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "media_fixture.h"
#include "onnx_builder.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/infer/model_metadata.h"

namespace storefuse::ingest::testing {
namespace {

namespace it = infer::testing;
using datasets::Modality;

// A small vectors-flavour model: logits = concat(inputs) x W, dwell = the
// mean input, engagement = its sigmoid. Every input value reaches the logits.
std::string model_bytes(const datasets::FeatureSpec& spec, bool with_spec) {
  int64_t width = 0;
  for (Modality m : datasets::kModalities) width += spec[m].shape[0];
  const int64_t classes = static_cast<int64_t>(spec.class_names.size());
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(width * classes);
  for (auto& x : w) x = normal(rng);
  it::OnnxBuilder b;
  for (Modality m : datasets::kModalities) b.input(datasets::to_string(m), infer::DType::Float32, {-1, spec[m].shape[0]});
  b.input("mask", infer::DType::UInt8, {-1, 4});
  b.initializer("W", infer::Tensor::from_vector<float>({width, classes}, w));
  it::set_int(b.node("Concat", {"visual", "audio", "text", "sensor"}, {"x"}), "axis", 1);
  b.node("MatMul", {"x", "W"}, {"behavior_logits"});
  auto& mean = b.node("ReduceMean", {"x"}, {"dwell_s"});
  it::set_ints(mean, "axes", {1});
  it::set_int(mean, "keepdims", 0);
  b.node("Sigmoid", {"dwell_s"}, {"engagement"});
  b.output("behavior_logits").output("dwell_s").output("engagement");
  auto add_meta = [&](const char* key, const std::string& value) {
    auto* p = b.proto().add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  };
  if (with_spec) add_meta(infer::metadata::kFeatureSpec, spec.to_json().dump());
  add_meta(infer::metadata::kClassNames, json(spec.class_names).dump());
  return b.bytes();
}

int run(const std::string& args, std::string* output = nullptr) {
  const fs::path log = fs::temp_directory_path() / ("storefuse_test_ingest_log_" + std::to_string(getpid()));
  int rc = std::system((std::string(STOREFUSE_INFER_BIN) + " " + args + " > " + log.string() + " 2>&1").c_str());
  if (output) *output = read_file(log);
  fs::remove(log);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The CSV without its latency column.
std::vector<std::string> predictions(const fs::path& csv) {
  std::istringstream in(read_file(csv));
  std::vector<std::string> rows;
  for (std::string l; std::getline(in, l);) rows.push_back(l.substr(0, l.rfind(',')));
  return rows;
}

TEST(PredictMedia, FeedsTheModelExactlyIngestsFeatures) {
  const fs::path dir = temp_dir("predict");
  generate(dir, "vectors", 80, 30);
  ingest(request(dir, "train", dir / "train.h5"));
  auto req = request(dir, "test", dir / "test.h5");
  req.spec = dir / "train.h5";
  ingest(req);
  const auto spec = datasets::DatasetReader::open(dir / "train.h5")->spec();
  write_file_atomic(dir / "model.onnx", model_bytes(spec, true));

  const fs::path media = dir / "media" / "test";
  std::string out;
  ASSERT_EQ(0, run("predict --model " + (dir / "model.onnx").string() + " --media " + (media / "manifest.csv").string() +
                       " --labels " + (media / "labels.csv").string() + " --save-features " +
                       (dir / "fed.h5").string() + " --batch 4 --out " + (dir / "media.csv").string(),
                   &out))
      << out;
  EXPECT_NE(out.find("features from raw files"), std::string::npos) << out;
  EXPECT_NE(out.find("accuracy"), std::string::npos) << out;
  auto fed = read_all(dir / "fed.h5"), ingested = read_all(dir / "test.h5");
  ASSERT_EQ(fed.rows, ingested.rows);
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    EXPECT_EQ(fed.inputs[k].bytes, ingested.inputs[k].bytes) << datasets::to_string(datasets::kModalities[k]);
  }
  EXPECT_EQ(fed.mask, ingested.mask);
  EXPECT_EQ(fed.sample_id, ingested.sample_id);
  EXPECT_EQ(fed.behavior, ingested.behavior);

  ASSERT_EQ(0, run("predict --model " + (dir / "model.onnx").string() + " --data " + (dir / "test.h5").string() +
                       " --batch 4 --out " + (dir / "data.csv").string(),
                   &out))
      << out;
  EXPECT_EQ(predictions(dir / "media.csv"), predictions(dir / "data.csv"));

  // --out - writes the predictions alone to standard output (the summary
  // goes to stderr); --format names the format where no extension does.
  const std::string model = " --model " + (dir / "model.onnx").string() + " --data " + (dir / "test.h5").string();
  const fs::path piped = dir / "piped.csv";
  ASSERT_EQ(0, std::system((std::string(STOREFUSE_INFER_BIN) + " predict" + model + " --batch 4 --out - --format csv > " +
                            piped.string() + " 2> /dev/null").c_str()));
  EXPECT_EQ(predictions(piped), predictions(dir / "data.csv"));
  ASSERT_EQ(0, run("predict" + model + " --out " + (dir / "preds.txt").string() + " --format jsonl", &out)) << out;
  EXPECT_EQ(read_file(dir / "preds.txt").front(), '{');
  EXPECT_EQ(2, run("predict" + model + " --out -", &out));
  EXPECT_NE(out.find("--out - needs --format"), std::string::npos) << out;
  EXPECT_EQ(2, run("predict" + model + " --out " + (dir / "preds.xml").string(), &out));
  EXPECT_NE(out.find("no output format for"), std::string::npos) << out;
  EXPECT_EQ(2, run("predict" + model + " --out - --format xml", &out));
  EXPECT_NE(out.find("--format xml is not an output format"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "preds.xml"));

  // A model without a feature spec cannot rebuild features: a clear error.
  write_file_atomic(dir / "bare.onnx", model_bytes(spec, false));
  EXPECT_EQ(1, run("predict --model " + (dir / "bare.onnx").string() + " --media " + (media / "manifest.csv").string() +
                       " --out " + (dir / "bare.csv").string(),
                   &out));
  EXPECT_NE(out.find("no feature spec"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "bare.csv"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace storefuse::ingest::testing
