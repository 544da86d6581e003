// Reading and aligning prediction and label files, and the errors a user
// sees when they do not fit together.
#include <gtest/gtest.h>

#include <fstream>

#include "storefuse/abtest/inputs.h"
#include "storefuse/abtest/table.h"
#include "storefuse/core/error.h"
#include "synthetic.h"

namespace storefuse::abtest {
namespace {

std::filesystem::path write(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}

// The error's message, or "" when `f` does not throw storefuse::Error.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(e.what()) + " | " + e.where() + " | " + e.fix();
  }
  return "";
}

class Inputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = testing::temp_dir("inputs");
    write(dir, "labels.csv",
          "sample_id,behavior,dwell_s,engagement,store_id\n"
          "s1,walk,10,0.5,st1\ns2,stop,20,0.1,st1\ns3,walk,5,0.9,st2\n");
    write(dir, "a.csv",
          "sample_id,p_walk,p_stop,dwell_s,engagement\n"
          "s1,0.9,0.1,11,0.4\ns2,0.3,0.7,18,0.2\ns3,0.6,0.4,6,0.8\n");
  }
  std::filesystem::path dir;
};

TEST_F(Inputs, AlignsCsvAndJsonlAcrossClassOrderAndRowOrder) {
  // B: JSONL, rows shuffled, class columns in the other order, logits.
  write(dir, "b.jsonl",
        "{\"sample_id\": \"s3\", \"logit_stop\": 0.0, \"logit_walk\": 2.0, \"dwell_s\": 5, \"engagement\": 0.9}\n"
        "{\"sample_id\": \"s1\", \"logit_stop\": 1.0, \"logit_walk\": 0.0, \"dwell_s\": 9, \"engagement\": 0.5}\n"
        "{\"sample_id\": \"s2\", \"logit_stop\": 3.0, \"logit_walk\": 0.0, \"dwell_s\": 20, \"engagement\": 0.1}\n");
  const PairedData d = align(read_predictions(dir / "a.csv"), read_predictions(dir / "b.jsonl"),
                             read_labels(dir / "labels.csv"));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"walk", "stop"}));
  EXPECT_EQ(d.targets.behavior, (std::vector<int64_t>{0, 1, 0}));
  // s1 in B: softmax(walk 0, stop 1) -> p(walk) = 1 / (1 + e).
  EXPECT_NEAR(d.b.probs[0], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_FLOAT_EQ(d.b.dwell_s[0], 9.0f);
  EXPECT_EQ(d.slices.at("store_id")[2], "st2");
}

TEST_F(Inputs, IdsThatDoNotMatchAreAClearError) {
  write(dir, "b.csv",
        "sample_id,p_walk,p_stop,dwell_s,engagement\n"
        "s1,0.9,0.1,11,0.4\ns2,0.3,0.7,18,0.2\nsX,0.6,0.4,6,0.8\n");
  const auto msg = error_of([&] {
    align(read_predictions(dir / "a.csv"), read_predictions(dir / "b.csv"), read_labels(dir / "labels.csv"));
  });
  EXPECT_NE(msg.find("sample ids do not match"), std::string::npos) << msg;
  EXPECT_NE(msg.find("only in " + (dir / "a.csv").string() + " (s3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(sX)"), std::string::npos) << msg;
}

TEST_F(Inputs, DifferentClassSetsAreAClearError) {
  write(dir, "b.csv",
        "sample_id,p_walk,p_run,dwell_s,engagement\n"
        "s1,0.9,0.1,11,0.4\ns2,0.3,0.7,18,0.2\ns3,0.6,0.4,6,0.8\n");
  const auto msg = error_of([&] {
    align(read_predictions(dir / "a.csv"), read_predictions(dir / "b.csv"), read_labels(dir / "labels.csv"));
  });
  EXPECT_NE(msg.find("different class sets"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has no column for 'run'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has no column for 'stop'"), std::string::npos) << msg;
}

// Both files lack a class the labels have: the error names it, not the
// sums it leaves short of 1.
TEST_F(Inputs, AMissingClassColumnIsNamed) {
  write(dir, "labels3.csv",
        "sample_id,behavior,dwell_s,engagement\ns1,walk,10,0.5\ns2,stop,20,0.1\ns3,run,5,0.9\n");
  write(dir, "short.csv",
        "sample_id,p_walk,p_stop,dwell_s,engagement\ns1,0.8,0.1,11,0.4\ns2,0.3,0.6,18,0.2\ns3,0.5,0.4,6,0.8\n");
  const auto msg = error_of([&] {
    align(read_predictions(dir / "short.csv"), read_predictions(dir / "short.csv"), read_labels(dir / "labels3.csv"));
  });
  EXPECT_NE(msg.find("no p_<class> column for the labelled class 'run'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("sum to"), std::string::npos) << msg;
}

TEST_F(Inputs, LabelFileWithoutLabelsIsAClearError) {
  write(dir, "unlabelled.csv", "sample_id,store_id\ns1,st1\ns2,st1\ns3,st2\n");
  const auto msg = error_of([&] { read_labels(dir / "unlabelled.csv"); });
  EXPECT_NE(msg.find("no 'behavior' column"), std::string::npos) << msg;
  EXPECT_NE(msg.find("needs labels"), std::string::npos) << msg;
}

TEST_F(Inputs, BadCellsNameTheFileLineAndColumn) {
  write(dir, "bad.csv", "sample_id,p_walk,p_stop,dwell_s,engagement\ns1,0.9,0.1,eleven,0.4\n");
  const auto msg = error_of([&] { read_predictions(dir / "bad.csv"); });
  EXPECT_NE(msg.find("'eleven' is not a number"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.csv:2 (column dwell_s)"), std::string::npos) << msg;
  write(dir, "dup.csv", "sample_id,p_walk,p_stop,dwell_s,engagement\ns1,0.9,0.1,1,0.4\ns1,0.9,0.1,1,0.4\n");
  EXPECT_NE(error_of([&] { read_predictions(dir / "dup.csv"); }).find("appears twice"), std::string::npos);
  write(dir, "sum.csv", "sample_id,p_walk,p_stop,dwell_s,engagement\ns1,0.9,0.9,1,0.4\ns2,0.3,0.7,18,0.2\n"
                        "s3,0.6,0.4,6,0.8\n");
  const auto sum = error_of([&] {
    align(read_predictions(dir / "sum.csv"), read_predictions(dir / "a.csv"), read_labels(dir / "labels.csv"));
  });
  EXPECT_NE(sum.find("probabilities sum to 1.8"), std::string::npos) << sum;
  EXPECT_NE(sum.find("sum.csv:2"), std::string::npos) << sum;
}

TEST_F(Inputs, HdfWithoutARegisteredReaderSaysSo) {
  const auto msg = error_of([&] { read_labels(dir / "test.h5"); });
  EXPECT_NE(msg.find("no HDF5 label reader"), std::string::npos) << msg;
  register_label_reader(".h5", [&](const std::filesystem::path&) { return read_labels(dir / "labels.csv"); });
  EXPECT_EQ(read_labels(dir / "test.h5").sample_ids.size(), 3u);
}

TEST(Table, CsvQuotingAndJsonlColumns) {
  const Table t = parse_csv("id,text\n1,\"a, \"\"b\"\"\nc\"\n2,plain\n", "mem.csv");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.column("text")[0], "a, \"b\"\nc");
  EXPECT_EQ(t.lines[1], 4);
  const Table j = parse_jsonl("{\"a\": 1}\n\n{\"b\": \"x\"}\n", "mem.jsonl");
  EXPECT_EQ(j.column("a")[1], "");
  EXPECT_EQ(j.column("b")[1], "x");
  EXPECT_EQ(j.lines[1], 3);
}

}  // namespace
}  // namespace storefuse::abtest
