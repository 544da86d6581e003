// The traffic split: golden values (an independent Python implementation in
// the fixture script), the configured share, independence across experiments.
#include <gtest/gtest.h>

#include "storefuse/abtest/parametric.h"
#include "storefuse/core/json.h"
#include "storefuse/core/traffic_split.h"

namespace storefuse::abtest {
namespace {

using namespace traffic;  // the split lives in storefuse_base, shared with serve

TEST(TrafficSplit, MatchesGoldenValues) {
  const json cases = read_json(std::string(STOREFUSE_FIXTURES) + "/stats/traffic_split.json");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    EXPECT_DOUBLE_EQ(assignment_unit(c["experiment"].get<std::string>(), c["customer"].get<std::string>()),
                     c["unit"].get<double>())
        << c.dump();
  }
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);  // the FNV reference value
}

TEST(TrafficSplit, HonoursTheShareWithoutSampleRatioMismatch) {
  for (double share : {0.5, 0.1, 0.8}) {
    double b = 0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) b += assign_variant("exp-1", "c" + std::to_string(i), share) == Variant::B;
    const auto srm = chi_square_goodness_of_fit({n - b, b}, {1 - share, share});
    EXPECT_GT(srm.p_value, 0.001) << "share " << share << ": " << b << " of " << n;
  }
}

TEST(TrafficSplit, StickyPerCustomerAndIndependentAcrossExperiments) {
  int same = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const std::string c = "c" + std::to_string(i);
    EXPECT_EQ(assign_variant("exp-1", c, 0.5), assign_variant("exp-1", c, 0.5));
    same += assign_variant("exp-1", c, 0.5) == assign_variant("exp-2", c, 0.5);
  }
  EXPECT_NEAR(double(same) / n, 0.5, 0.02);  // two experiments' splits are unrelated
}

}  // namespace
}  // namespace storefuse::abtest
