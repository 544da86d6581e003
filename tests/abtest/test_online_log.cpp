// read_log: the event log `abtest analyse` reads, including a server's
// prediction log (answers whose outcome comes in a later row, shadow rows).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storefuse/abtest/online.h"
#include "storefuse/core/error.h"

namespace storefuse::abtest {
namespace {

std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << text;
  return path;
}

TEST(ReadLog, SkipsAnswersWithoutAnOutcomeAndShadowRows) {
  const auto path = write("served.jsonl",
                          "{\"time\":3,\"customer_id\":\"c1\",\"variant\":\"A\",\"shadow\":false,\"outcome\":1}\n"
                          "{\"time\":1,\"customer_id\":\"c1\",\"variant\":\"A\",\"shadow\":false,\"dwell_s\":4.5}\n"
                          "{\"time\":2,\"customer_id\":\"c1\",\"variant\":\"shadow:B\",\"shadow\":true,\"dwell_s\":4.1}\n"
                          "{\"time\":0,\"customer_id\":\"c2\",\"variant\":\"B\",\"shadow\":false,\"outcome\":0}\n");
  const auto log = read_log(path);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].customer_id, "c2");  // sorted by time
  EXPECT_EQ(log[0].variant, "B");
  EXPECT_EQ(log[1].outcome, 1.0);
}

TEST(ReadLog, ALogWithoutOutcomesSaysHowToLogThem) {
  const auto path = write("no_outcomes.csv", "customer_id,variant,outcome\nc1,A,\nc2,B,\n");
  try {
    read_log(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.problem()).find("no events"), std::string::npos) << e.what();
    EXPECT_NE(e.fix().find("/v1/outcomes"), std::string::npos) << e.what();
  }
}

TEST(ReadLog, AShadowVariantOutsideAShadowRowIsStillRefused) {
  const auto path = write("mixed.csv", "customer_id,variant,outcome\nc1,A,1\nc2,shadow:B,1\n");
  EXPECT_THROW(read_log(path), Error);
}

}  // namespace
}  // namespace storefuse::abtest
