#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "storefuse/core/error.h"
#include "storefuse/features/video.h"

namespace sf = storefuse::features;

namespace {

// The clip of fixtures/visual_reference.py: a bright 6x6 square moving 2 px
// right per frame over a vertical ramp.
std::vector<uint8_t> reference_clip(int T, int H, int W) {
  std::vector<uint8_t> clip(static_cast<size_t>(T) * H * W);
  for (int t = 0; t < T; ++t)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        bool square = y >= 5 && y < 11 && x >= 2 + 2 * t && x < 8 + 2 * t;
        clip[(t * H + y) * W + x] = static_cast<uint8_t>(square ? 200 : 40 + 3 * y);
      }
  return clip;
}

sf::VisualParams small_params() {
  sf::VisualParams p;
  p.frames = 5;
  p.height = p.width = 16;
  p.grid = 4;
  p.appearance_bins = 7;  // bin edges at multiples of pi/7 and pi/5: no pixel of
  p.motion_bins = 5;      // the clip sits on one, so rounding cannot move a bin
  return p;
}

}  // namespace

TEST(Visual, DescriptorMatchesNumpyReference) {
  auto p = small_params();
  auto clip = reference_clip(p.frames, p.height, p.width);
  auto v = sf::visual_vector(clip.data(), p);
  ASSERT_EQ(static_cast<int>(v.size()), 16 * (7 + 5 + 8));

  std::ifstream in(std::string(STOREFUSE_RETAILSIM_FIXTURES) + "/visual_hog_motion_v1.txt");
  ASSERT_TRUE(in) << "fixture missing; see fixtures/visual_reference.py";
  std::vector<double> want;
  for (double x; in >> x;) want.push_back(x);
  ASSERT_EQ(want.size(), v.size());
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], want[i], 1e-5) << "value " << i;
}

TEST(Visual, DefaultVectorIsTheSeedSize) {
  sf::VisualParams p;
  EXPECT_EQ(p.vector_size(), 2048);
  std::vector<uint8_t> flat(static_cast<size_t>(p.frames) * p.frame_pixels(), 128);
  auto v = sf::visual_vector(flat.data(), p);
  ASSERT_EQ(v.size(), 2048u);
  // A flat, still clip has no gradients, no motion; only the temporal
  // centroid (0.5 when nothing moves) is non-zero.
  for (int c = 0; c < 64; ++c) {
    for (int s = 0; s < 8; ++s) {
      float want = s == 4 ? 0.5f : 0.0f;
      EXPECT_EQ(v[1024 + 512 + c * 8 + s], want);
    }
  }
  for (int i = 0; i < 1536; ++i) ASSERT_EQ(v[i], 0.0f) << i;
}

TEST(Visual, AppearancePartIsUnitNormPerFrame) {
  auto p = small_params();
  auto clip = reference_clip(p.frames, p.height, p.width);
  const size_t px = static_cast<size_t>(p.frame_pixels());
  for (int t = 1; t < p.frames; ++t) std::copy(clip.begin(), clip.begin() + px, clip.begin() + t * px);
  auto v = sf::visual_vector(clip.data(), p);
  // A still clip: the mean of identical unit vectors is a unit vector, and
  // there is no motion at all.
  double ss = 0;
  for (int i = 0; i < 16 * 7; ++i) ss += v[i] * v[i];
  EXPECT_NEAR(ss, 1.0, 1e-5);
  for (int i = 16 * 7; i < 16 * (7 + 5); ++i) ASSERT_EQ(v[i], 0.0f) << i;
}

TEST(Visual, SampleFrameIndicesSpreadEvenly) {
  EXPECT_EQ(sf::sample_frame_indices(32, 4), (std::vector<int>{4, 12, 20, 28}));
  EXPECT_EQ(sf::sample_frame_indices(2, 4), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(sf::sample_frame_indices(5, 1), (std::vector<int>{2}));
}

TEST(Visual, PreprocessConvertsToGrayAndResizes) {
  sf::VisualParams p;
  cv::Mat bgr(128, 96, CV_8UC3, cv::Scalar(255, 0, 0));  // pure blue
  std::vector<uint8_t> out(p.frame_pixels());
  sf::preprocess_frame(bgr, p, out.data());
  // OpenCV's BT.601 luma: 0.114 * 255 = 29.07.
  for (uint8_t x : out) ASSERT_EQ(x, 29);
}

namespace {

// Saturated colour stripes: JPEG's chroma subsampling rings at their edges,
// so some decoded BGR channels clip and cvtColor of them differs from the
// luma the JPEG stores.
cv::Mat stripes() {
  cv::Mat bgr(96, 96, CV_8UC3);
  const cv::Vec3b colours[] = {{255, 0, 0}, {0, 0, 255}, {0, 255, 0}, {255, 0, 255}, {40, 40, 40}, {0, 255, 255}};
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) bgr.at<cv::Vec3b>(y, x) = colours[(x / 5 + y / 24) % 6];
  return bgr;
}

std::vector<uint8_t> gray_of(const std::vector<uint8_t>& encoded, const sf::VisualParams& p) {
  std::vector<uint8_t> out(p.frame_pixels());
  sf::image_to_gray(std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()), p, out.data(), "t");
  return out;
}

}  // namespace

TEST(Visual, AJpegFrameIsItsStoredLumaResized) {
  sf::VisualParams p;
  std::vector<uint8_t> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", stripes(), jpeg));
  const std::vector<uint8_t> got = gray_of(jpeg, p);
  // The luma plane as libjpeg decodes it, then the one resize.
  cv::Mat luma = cv::imdecode(jpeg, cv::IMREAD_GRAYSCALE), want;
  cv::resize(luma, want, cv::Size(p.width, p.height), 0, 0, cv::INTER_AREA);
  ASSERT_EQ(got, std::vector<uint8_t>(want.data, want.data + want.total()));
  // Not cvtColor of the decoded BGR, which clipped (so this test tells them apart) ...
  std::vector<uint8_t> via_bgr(p.frame_pixels());
  sf::preprocess_frame(cv::imdecode(jpeg, cv::IMREAD_COLOR), p, via_bgr.data());
  EXPECT_NE(got, via_bgr);
  // ... and the BT.601 luma of the image before compression, within JPEG's loss.
  std::vector<uint8_t> original(p.frame_pixels());
  sf::preprocess_frame(stripes(), p, original.data());
  for (int i = 0; i < p.frame_pixels(); ++i) ASSERT_NEAR(got[i], original[i], 12) << "pixel " << i;
}

TEST(Visual, APngFrameIsCvtColorOfItsPixels) {
  sf::VisualParams p;
  std::vector<uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", stripes(), png));
  std::vector<uint8_t> want(p.frame_pixels());
  sf::preprocess_frame(stripes(), p, want.data());
  EXPECT_EQ(gray_of(png, p), want);  // lossless: exactly the pixels' gray
}

TEST(Visual, ReadClipDecodesAnAviWrittenWithOpenCv) {
  auto path = std::filesystem::temp_directory_path() / "storefuse_test_clip.avi";
  {
    cv::VideoWriter w(path.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 8.0, cv::Size(96, 96));
    ASSERT_TRUE(w.isOpened());
    for (int t = 0; t < 24; ++t) {
      cv::Mat f(96, 96, CV_8UC3, cv::Scalar::all(10 * t));  // brightness = frame number
      w.write(f);
    }
  }
  sf::VisualParams p;
  p.frames = 4;
  p.window_s = 2.0;  // the first 16 frames at 8 fps
  auto frames = sf::read_clip(path, p);
  ASSERT_EQ(frames.size(), 4u * p.frame_pixels());
  // Frames 2, 6, 10, 14 of the window; MJPG is lossy, so within a few levels.
  const int want[] = {20, 60, 100, 140};
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(frames[t * p.frame_pixels() + 100], want[t], 3) << "frame " << t;
  std::filesystem::remove(path);
}

TEST(Visual, ReadClipNamesAMissingFile) {
  sf::VisualParams p;
  try {
    sf::read_clip("/nonexistent/clip.avi", p);
    FAIL() << "expected an error";
  } catch (const storefuse::Error& e) {
    EXPECT_EQ(e.kind(), storefuse::ErrorKind::Io);
    EXPECT_EQ(e.where(), "/nonexistent/clip.avi");
  }
}

TEST(Visual, ParamsRoundTripAndRejectUnknownKeys) {
  auto p = small_params();
  storefuse::json j = p;
  EXPECT_EQ(j["vector_size"], 320);
  EXPECT_EQ(j.get<sf::VisualParams>(), p);
  j["frame"] = 3;  // a typo of "frames"
  EXPECT_THROW(j.get<sf::VisualParams>(), storefuse::Error);
  storefuse::json bad_grid = p;
  bad_grid["grid"] = 5;  // 16 is not a multiple of 5
  bad_grid.erase("vector_size");
  EXPECT_THROW(bad_grid.get<sf::VisualParams>(), storefuse::Error);
}

namespace {

// A clip with structure and noise: the square of reference_clip moving over
// pseudo-random texture, so every frame and every difference differs.
std::vector<uint8_t> textured_clip(int n, const sf::VisualParams& p) {
  std::vector<uint8_t> clip(static_cast<size_t>(n) * p.frame_pixels());
  uint32_t state = 12345;
  for (int t = 0; t < n; ++t)
    for (int y = 0; y < p.height; ++y)
      for (int x = 0; x < p.width; ++x) {
        state = state * 1664525u + 1013904223u;
        const bool square = y >= 20 && y < 36 && x >= t % 48 && x < t % 48 + 16;
        clip[(static_cast<size_t>(t) * p.height + y) * p.width + x] =
            static_cast<uint8_t>(square ? 220 - (state >> 28) : 30 + 2 * y + (state >> 27));
      }
  return clip;
}

}  // namespace

TEST(VisualMemo, SlidingWindowsEqualVisualVectorBitForBit) {
  sf::VisualParams p;  // 16 frames of 64x64, as the stream's windows
  const size_t px = static_cast<size_t>(p.frame_pixels());
  const std::vector<uint8_t> clip = textured_clip(48, p);
  sf::VisualMemo memo(p, 24);
  int windows = 0;
  for (int first = 0; first + p.frames <= 48; first += 4, ++windows) {  // hop of 4 frames: 12 shared
    const uint8_t* w = clip.data() + first * px;
    std::vector<uint64_t> keys;
    for (int t = 0; t < p.frames; ++t) keys.push_back(static_cast<uint64_t>(first + t));
    ASSERT_EQ(memo.vector(w, keys), sf::visual_vector(w, p)) << "window from frame " << first;
  }
  // The first window computes 16 + 15 parts; each later one 4 + 4.
  EXPECT_EQ(memo.misses(), 31u + 8u * (windows - 1));
  EXPECT_EQ(memo.hits(), 23u * (windows - 1));
}

TEST(VisualMemo, RepeatedFramesAndATinyCapacityStillGiveTheSameVector) {
  sf::VisualParams p = small_params();
  const size_t px = static_cast<size_t>(p.frame_pixels());
  std::vector<uint8_t> clip = reference_clip(p.frames, p.height, p.width);
  std::copy_n(clip.data(), px, clip.data() + px);  // frame 0 sampled twice, as when a window holds
  const std::vector<uint64_t> keys = {7, 7, 8, 9, 10};  // fewer frames than T
  sf::VisualMemo memo(p, 1);  // under a window: only older windows' parts go
  for (int round = 0; round < 3; ++round)
    ASSERT_EQ(memo.vector(clip.data(), keys), sf::visual_vector(clip.data(), p)) << "round " << round;
  EXPECT_EQ(memo.misses(), 4u + 4u);  // frames 7..10; pairs (7,7), (7,8), (8,9), (9,10)
  EXPECT_EQ(memo.hits(), 1u + 2u * 9u);  // the second 7 in round 0; all 9 parts in rounds 1, 2
}

TEST(VisualMemo, AKeyPerFrameIsRequired) {
  sf::VisualParams p = small_params();
  const std::vector<uint8_t> clip = reference_clip(p.frames, p.height, p.width);
  sf::VisualMemo memo(p, 8);
  EXPECT_THROW(memo.vector(clip.data(), {1, 2, 3}), storefuse::Error);
}

TEST(VisualMemo, BadParamsAreAConfigError) {
  sf::VisualParams p;
  p.grid = 7;  // 64 is not a multiple of it
  try {
    sf::VisualMemo memo(p, 8);
    FAIL() << "expected an error";
  } catch (const storefuse::Error& e) {
    EXPECT_EQ(e.kind(), storefuse::ErrorKind::Config);
  }
}
