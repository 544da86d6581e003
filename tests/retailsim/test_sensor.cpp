#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "storefuse/core/error.h"
#include "storefuse/features/sensor.h"

namespace sf = storefuse::features;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

sf::SensorParams two_channels() {
  sf::SensorParams p;
  p.channels = {{"ramp", sf::SensorStat::Delta}, {"level", sf::SensorStat::Mean}};
  p.window_s = 30;
  p.steps = 3;  // targets at 5, 15 and 25 s after the first reading
  return p;
}

sf::SensorSeries series() {
  sf::SensorSeries s;
  s.channels = 2;
  s.add_row(100, {0, 5});
  s.add_row(110, {10, kNaN});  // "level" did not report at 110 s
  s.add_row(120, {20, 7});
  return s;
}

}  // namespace

TEST(Sensor, ResampleInterpolatesByTimestampAndHoldsTheEnds) {
  auto w = sf::resample_window(series(), two_channels());
  // ramp: 5, 15, then held at its last reading 20; level: 5 -> 7 over 20 s.
  EXPECT_EQ(w, (std::vector<float>{5, 5.5f, 15, 6.5f, 20, 7}));
}

TEST(Sensor, VectorIsOneStatisticPerChannel) {
  auto p = two_channels();
  std::vector<float> w = {5, 5.5f, 15, 6.5f, 20, 7};
  auto v = sf::sensor_vector(w.data(), p);
  EXPECT_FLOAT_EQ(v[0], 15.0f);        // delta: 20 - 5
  EXPECT_FLOAT_EQ(v[1], 19.0f / 3.0f);  // mean of 5.5, 6.5, 7
  p.channels = {{"ramp", sf::SensorStat::Range}, {"level", sf::SensorStat::Std}};
  v = sf::sensor_vector(w.data(), p);
  EXPECT_FLOAT_EQ(v[0], 15.0f);
  EXPECT_NEAR(v[1], std::sqrt((std::pow(5.5 - 19.0 / 3, 2) + std::pow(6.5 - 19.0 / 3, 2) + std::pow(7 - 19.0 / 3, 2)) / 3), 1e-6);
}

TEST(Sensor, SilentChannelReadsZero) {
  auto s = series();
  for (int64_t r = 0; r < s.rows(); ++r) s.values[r * 2 + 1] = kNaN;
  auto w = sf::resample_window(s, two_channels());
  EXPECT_EQ(w[1], 0.0f);
  EXPECT_EQ(w[5], 0.0f);
}

TEST(Sensor, BadSeriesAreDataErrors) {
  auto p = two_channels();
  sf::SensorSeries empty;
  empty.channels = 2;
  EXPECT_THROW(sf::resample_window(empty, p), storefuse::Error);
  auto s = series();
  s.time_s[2] = 90;  // goes back in time
  EXPECT_THROW(sf::resample_window(s, p), storefuse::Error);
  sf::SensorSeries three;
  three.channels = 3;
  three.add_row(0, {1, 2, 3});
  EXPECT_THROW(sf::resample_window(three, p), storefuse::Error);
  EXPECT_THROW(three.add_row(1, {1, 2}), storefuse::Error);
}

TEST(Sensor, NormaliserStandardisesTrainingWindows) {
  auto p = two_channels();
  // Two windows; channel "ramp" window values 0..5, channel "level" constant 3.
  std::vector<float> windows = {0, 3, 1, 3, 2, 3, /* second */ 3, 3, 4, 3, 5, 3};
  auto n = sf::SensorNormaliser::fit(windows, p);
  EXPECT_NEAR(n.window_mean()[0], 2.5, 1e-9);
  EXPECT_NEAR(n.window_std()[0], std::sqrt(17.5 / 6), 1e-9);
  EXPECT_NEAR(n.window_mean()[1], 3.0, 1e-9);
  EXPECT_EQ(n.window_std()[1], 1.0);  // constant: stored as 1, maps to 0
  // Vectors: deltas 2 and 2 (std 0 -> 1), means 3 and 3.
  EXPECT_NEAR(n.vector_mean()[0], 2.0, 1e-9);
  EXPECT_EQ(n.vector_std()[0], 1.0);

  std::vector<float> w = {2.5f, 3, 2.5f, 3, 2.5f, 3};
  n.normalise_window(w.data(), 3);
  for (float x : w) EXPECT_NEAR(x, 0.0f, 1e-6);

  auto back = sf::SensorNormaliser::from_json(n.to_json(), 2);
  EXPECT_EQ(back.window_std(), n.window_std());
  EXPECT_THROW(sf::SensorNormaliser::from_json(n.to_json(), 3), storefuse::Error);
}

TEST(Sensor, RetailDefaultsRoundTripThroughJson) {
  auto p = sf::SensorParams::retail_defaults();
  ASSERT_EQ(p.num_channels(), 10);
  storefuse::json j = p;
  EXPECT_EQ(j["channels"][0]["stat"], "delta");
  EXPECT_EQ(j.get<sf::SensorParams>(), p);
  j["channels"][0]["stat"] = "median";
  EXPECT_THROW(j.get<sf::SensorParams>(), storefuse::Error);
}
