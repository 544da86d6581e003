#include <gtest/gtest.h>

#include "storefuse/core/progress.h"

using storefuse::Progress;

TEST(Progress, PlainLineShowsCountRateAndEta) {
  Progress::set_mode_for_testing(0, 1e9);
  Progress p("train", 200, "samples");
  p.advance(50);
  p.set_status("loss 0.412");
  std::string line = p.render_line();
  EXPECT_NE(line.find("25%"), std::string::npos) << line;
  EXPECT_NE(line.find("50/200 samples"), std::string::npos) << line;
  EXPECT_NE(line.find("samples/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
  EXPECT_NE(line.find("loss 0.412"), std::string::npos) << line;
  EXPECT_EQ(line.find('['), std::string::npos) << "no bar off a terminal: " << line;
  p.finish();
  Progress::set_mode_for_testing(-1);
}

TEST(Progress, TerminalModeDrawsABar) {
  Progress::set_mode_for_testing(1);
  Progress p("datagen", 10);
  p.advance(5);
  std::string line = p.render_line();
  EXPECT_NE(line.find("[############............]"), std::string::npos) << line;
  p.finish();
  Progress::set_mode_for_testing(-1);
}

TEST(Progress, Formats) {
  EXPECT_EQ(storefuse::format_count(12345), "12.3k");
  EXPECT_EQ(storefuse::format_count(2.5e6), "2.5M");
  EXPECT_EQ(storefuse::format_count(42), "42");
  EXPECT_EQ(storefuse::format_duration(3725), "1h02m");
  EXPECT_EQ(storefuse::format_duration(185), "3m05s");
  EXPECT_EQ(storefuse::format_duration(12.34), "12.3s");
}
