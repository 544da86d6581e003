// Writing and reading dataset files: bit-exact round trips for every dtype
// and rank, row ranges, unlabeled files, and atomic creation.
#include <gtest/gtest.h>

#include <limits>

#include "dataset_fixture.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/datasets/dataset_writer.h"

namespace storefuse::datasets {
namespace {

using testing::make_rows;
using testing::same_bits;
using testing::sequence_spec;
using testing::tiny_vector_spec;
using testing::write_rows;

class DatasetIO : public testing::TempDirTest {};

Batch slice(const Batch& b, const FeatureSpec& spec, int64_t begin, int64_t n) {
  Batch out = Batch::allocate(spec, n, b.has_targets);
  copy_rows(b, begin, out, 0, n);
  return out;
}

TEST_F(DatasetIO, RoundTripIsBitExactForEveryDtypeAndRank) {
  const FeatureSpec spec = sequence_spec();
  Batch rows = make_rows(spec, 0, 203);
  // Values that a lossy path would change: -0.0, a denormal, the extremes.
  float* audio = rows.input(Modality::Audio).as<float>();
  audio[1] = -0.0f;
  audio[2] = std::numeric_limits<float>::denorm_min();
  audio[3] = std::numeric_limits<float>::max();
  rows.input(Modality::Text).as<int32_t>()[0] = std::numeric_limits<int32_t>::min();
  rows.input(Modality::Visual).as<uint8_t>()[0] = 255;
  rows.sample_id[0] = std::numeric_limits<int64_t>::max();

  for (int level : {0, 4}) {
    SCOPED_TRACE("compression level " + std::to_string(level));
    const auto path = file("seq-" + std::to_string(level) + ".h5");
    DatasetWriter w(path, spec, {{"source", "test"}}, {level, /*chunk_rows=*/16, true});
    // Appends that do not line up with the chunks.
    w.append(slice(rows, spec, 0, 5));
    w.append(slice(rows, spec, 5, 198));
    EXPECT_EQ(w.rows_written(), 203);
    w.close();

    auto reader = DatasetReader::open(path);
    EXPECT_EQ(reader->num_rows(), 203);
    EXPECT_EQ(reader->spec(), spec);
    EXPECT_TRUE(reader->has_targets());
    EXPECT_EQ(reader->provenance().at("source"), "test");
    EXPECT_TRUE(reader->provenance().contains("created"));
    EXPECT_EQ(reader->storage().chunk_rows, 16);
    EXPECT_EQ(reader->storage().compression_level, level);
    EXPECT_EQ(reader->storage().shuffle, level > 0);
    EXPECT_TRUE(same_bits(reader->read(0, 203), rows));
    EXPECT_TRUE(same_bits(reader->read(17, 50), slice(rows, spec, 17, 33)));
    EXPECT_EQ(reader->read(203, 203).rows, 0);
    EXPECT_THROW(reader->read(200, 204), Error);
  }
}

TEST_F(DatasetIO, BatchShapesSuitWrappingWithoutCopy) {
  const FeatureSpec spec = sequence_spec();
  write_rows(file("d.h5"), spec, 40);
  Batch b = DatasetReader::open(file("d.h5"))->read(8, 24);
  EXPECT_EQ(b.input(Modality::Visual).shape, (std::vector<int64_t>{16, 3, 4, 5}));
  EXPECT_EQ(b.input(Modality::Audio).shape, (std::vector<int64_t>{16, 6, 13}));
  EXPECT_EQ(b.input(Modality::Text).shape, (std::vector<int64_t>{16, 7}));
  EXPECT_EQ(b.input(Modality::Audio).bytes.size(), 16u * 6 * 13 * sizeof(float));
  EXPECT_EQ(b.mask.size(), 16u * 4);
  EXPECT_EQ(b.sample_id[0], 8);
  EXPECT_THROW(b.input(Modality::Visual).as<float>(), Error);
}

TEST_F(DatasetIO, UnlabeledFilesHaveNoTargets) {
  const FeatureSpec spec = tiny_vector_spec();
  WriterOptions options;
  options.has_targets = false;
  write_rows(file("u.h5"), spec, 30, options);
  auto reader = DatasetReader::open(file("u.h5"));
  EXPECT_FALSE(reader->has_targets());
  Batch b = reader->read(0, 30);
  EXPECT_TRUE(b.behavior.empty());
  EXPECT_TRUE(same_bits(b, make_rows(spec, 0, 30, false)));
}

TEST_F(DatasetIO, WriterRejectsRowsThatDoNotMatchTheSpec) {
  DatasetWriter w(file("d.h5"), tiny_vector_spec(), json::object());
  FeatureSpec other = tiny_vector_spec();
  other[Modality::Audio].shape = {5};
  try {
    w.append(make_rows(other, 0, 3));
    FAIL() << "accepted rows of another spec";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inputs/audio"), std::string::npos) << e.what();
  }
  EXPECT_THROW(w.append(make_rows(tiny_vector_spec(), 0, 3, /*has_targets=*/false)), Error);
}

TEST_F(DatasetIO, WriterWithoutCloseLeavesNothing) {
  const auto path = file("d.h5");
  {
    DatasetWriter w(path, tiny_vector_spec(), json::object());
    w.append(make_rows(tiny_vector_spec(), 0, 100));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir_)) << "temp file left behind";
}

TEST_F(DatasetIO, WriterWithoutCloseKeepsTheOldFile) {
  const auto path = file("d.h5");
  write_rows(path, tiny_vector_spec(), 10);
  {
    DatasetWriter w(path, tiny_vector_spec(), json::object());
    w.append(make_rows(tiny_vector_spec(), 0, 50));
  }
  EXPECT_EQ(DatasetReader::open(path)->num_rows(), 10);
}

TEST_F(DatasetIO, AutomaticChunkSizeAimsAtOneMebibyte) {
  DatasetWriter w(file("d.h5"), seed_vector_spec(testing::ten_classes()), json::object());
  EXPECT_EQ(w.chunk_rows(), (1 << 20) / (2048 * 4));
}

}  // namespace
}  // namespace storefuse::datasets
