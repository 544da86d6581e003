// The round trip: datagen --emit-media, then ingest of the emitted files,
// gives back the dataset datagen wrote. Audio, text and sensor features are
// compared bit for bit (the files hold exactly the numbers datagen computed
// from: 16-bit PCM samples, shortest round-trip decimals, the log lines); the
// spec (vocabulary, IDF, sensor statistics) is equal key for key; the video
// goes through MJPG and is held to the tolerance stated in docs/ingest.md.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "media_fixture.h"

namespace storefuse::ingest::testing {
namespace {

using datasets::Batch;
using datasets::Modality;

// docs/ingest.md, "Round trip": MJPG at OpenCV's default quality 95.
// Measured on RetailSim (seed 7): frames mean 1.45, max 14 gray levels;
// descriptor mean 0.0014, max 0.27, min cosine 0.996. The max comes from
// the motion statistics of nearly still cells: the temporal centroid is 0.5
// for no motion at all and anywhere in [0, 1] for codec noise, and the
// fraction of moving pairs steps by 1/15 when a pair crosses the threshold.
constexpr double kFrameMeanAbsTolerance = 2.0;    // gray levels (0..255), mean over all frames
constexpr double kFrameMaxAbsTolerance = 24.0;    // gray levels, any pixel
constexpr double kDescriptorMeanAbsTolerance = 0.005;
constexpr double kDescriptorMaxAbsTolerance = 0.5;
constexpr double kDescriptorMinCosine = 0.99;

struct VisualDiff {
  double mean_abs = 0, max_abs = 0, min_cosine = 1;
};

// Same rows, ids, mask and targets; the lossless modalities byte for byte.
void expect_same_rows(const Batch& a, const Batch& b) {
  ASSERT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.mask, b.mask);
  EXPECT_EQ(a.sample_id, b.sample_id);
  EXPECT_EQ(a.customer_id, b.customer_id);
  EXPECT_EQ(a.store_id, b.store_id);
  EXPECT_EQ(a.camera_id, b.camera_id);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.behavior, b.behavior);
  EXPECT_EQ(a.dwell_s, b.dwell_s);
  EXPECT_EQ(a.engagement, b.engagement);
  for (Modality m : {Modality::Audio, Modality::Text, Modality::Sensor}) {
    const auto& x = a.input(m);
    const auto& y = b.input(m);
    ASSERT_EQ(x.shape, y.shape);
    for (int64_t r = 0; r < a.rows; ++r) {
      EXPECT_EQ(0, std::memcmp(x.bytes.data() + r * x.row_bytes(), y.bytes.data() + r * y.row_bytes(), x.row_bytes()))
          << datasets::to_string(m) << " of sample " << a.sample_id[r] << " differs";
    }
  }
}

VisualDiff visual_diff(const Batch& a, const Batch& b) {
  VisualDiff d;
  const auto& x = a.input(Modality::Visual);
  const auto& y = b.input(Modality::Visual);
  const int64_t width = x.row_bytes() / datasets::dtype_size(x.dtype);
  int64_t values = 0;
  for (int64_t r = 0; r < a.rows; ++r) {
    if (!a.present(r, Modality::Visual)) continue;
    double dot = 0, nx = 0, ny = 0;
    for (int64_t i = 0; i < width; ++i) {
      double u, v;
      if (x.dtype == datasets::DType::UInt8) {
        u = x.as<uint8_t>()[r * width + i];
        v = y.as<uint8_t>()[r * width + i];
      } else {
        u = x.as<float>()[r * width + i];
        v = y.as<float>()[r * width + i];
      }
      d.mean_abs += std::abs(u - v);
      d.max_abs = std::max(d.max_abs, std::abs(u - v));
      dot += u * v, nx += u * u, ny += v * v;
      ++values;
    }
    d.min_cosine = std::min(d.min_cosine, dot / std::sqrt(nx * ny + 1e-30));
  }
  d.mean_abs /= std::max<int64_t>(values, 1);
  return d;
}

TEST(RoundTrip, VectorsTrainFitsTheSameSpecAndTestReusesIt) {
  const fs::path dir = temp_dir("vectors");
  generate(dir, "vectors", 120, 40);

  // Train: the spec is fitted on the manifest's samples, as datagen fitted it.
  auto train = ingest(request(dir, "train", dir / "train.h5"));
  EXPECT_TRUE(train.skipped.empty());
  auto generated = datasets::DatasetReader::open(dir / "data" / "train.h5");
  auto ingested = datasets::DatasetReader::open(dir / "train.h5");
  EXPECT_EQ(ingested->spec().to_json(), generated->spec().to_json());
  expect_same_rows(read_all(dir / "train.h5"), read_all(dir / "data" / "train.h5"));
  VisualDiff v = visual_diff(read_all(dir / "train.h5"), read_all(dir / "data" / "train.h5"));
  std::cout << "visual descriptor after MJPG: mean |diff| " << v.mean_abs << ", max " << v.max_abs
            << ", min cosine " << v.min_cosine << "\n";
  EXPECT_LE(v.mean_abs, kDescriptorMeanAbsTolerance);
  EXPECT_LE(v.max_abs, kDescriptorMaxAbsTolerance);
  EXPECT_GE(v.min_cosine, kDescriptorMinCosine);
  EXPECT_GT(v.mean_abs, 0.0) << "MJPG is lossy: identical descriptors mean the test compares a file with itself";

  // Test: the train file's spec, unchanged.
  auto req = request(dir, "test", dir / "test.h5");
  req.spec = dir / "train.h5";
  ingest(req);
  auto test = datasets::DatasetReader::open(dir / "test.h5");
  EXPECT_EQ(test->spec(), ingested->spec());
  expect_same_rows(read_all(dir / "test.h5"), read_all(dir / "data" / "test.h5"));
  EXPECT_EQ(test->provenance()["source"], "ingest");

  // The same bytes whatever the thread count.
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    req.out = dir / "test_1thread.h5";
    ingest(req);
  }
  Batch a = read_all(dir / "test.h5"), b = read_all(dir / "test_1thread.h5");
  for (int k = 0; k < datasets::kNumModalities; ++k) EXPECT_EQ(a.inputs[k].bytes, b.inputs[k].bytes);
  fs::remove_all(dir);
}

TEST(RoundTrip, SequencesBothFlavoursFromOneFitAndFramesWithinTolerance) {
  const fs::path dir = temp_dir("sequences");
  generate(dir, "sequences", 100, 0);
  auto req = request(dir, "train", dir / "train.h5");
  req.flavour = "both";
  auto res = ingest(req);
  ASSERT_EQ(res.files.size(), 2u);
  EXPECT_EQ(res.files[0], dir / "train.vectors.h5");
  EXPECT_EQ(res.files[1], dir / "train.sequences.h5");
  auto seq = datasets::DatasetReader::open(dir / "train.sequences.h5");
  auto generated = datasets::DatasetReader::open(dir / "data" / "train.h5");
  EXPECT_EQ(seq->spec().to_json(), generated->spec().to_json());
  EXPECT_EQ(datasets::DatasetReader::open(dir / "train.vectors.h5")->spec().flavour, datasets::Flavour::Vectors);
  Batch a = read_all(dir / "train.sequences.h5"), b = read_all(dir / "data" / "train.h5");
  expect_same_rows(a, b);
  VisualDiff v = visual_diff(a, b);
  std::cout << "frames after MJPG: mean |diff| " << v.mean_abs << " gray levels, max " << v.max_abs << "\n";
  EXPECT_LE(v.mean_abs, kFrameMeanAbsTolerance);
  EXPECT_LE(v.max_abs, kFrameMaxAbsTolerance);
  EXPECT_GT(v.mean_abs, 0.0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace storefuse::ingest::testing
