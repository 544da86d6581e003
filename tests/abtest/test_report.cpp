// End to end through `storefuse abtest`: the reports it writes, and the HTML
// report loading in headless Chromium.
#include <gtest/gtest.h>

#include "../peer.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "synthetic.h"

namespace storefuse::cli {
int run_abtest(const std::vector<std::string>& args);
}

namespace storefuse::abtest {
namespace {

class AbtestCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = testing::temp_dir("command");
    testing::SyntheticSpec spec;
    spec.n = 1500;
    spec.acc_a = 0.62;
    spec.acc_b = 0.74;
    spec.latency = true;
    testing::write_synthetic(dir, spec);
  }
  std::vector<std::string> inputs(const std::string& out) const {
    return {"--a", (dir / "a.csv").string(), "--b", (dir / "b.csv").string(), "--data",
            (dir / "labels.csv").string(), "--out", (dir / out).string(), "--set", "abtest.resamples=400"};
  }
  std::filesystem::path dir;
};

TEST_F(AbtestCommand, CompareWritesEveryReport) {
  ASSERT_EQ(cli::run_abtest(inputs("compare")), 0);
  const json r = read_json(dir / "compare" / "report.json");
  EXPECT_EQ(r["verdict"], "PROMOTE_B");
  EXPECT_EQ(r["mode"], "offline");
  EXPECT_EQ(r["offline"]["n"], 1500);
  EXPECT_EQ(r["offline"]["comparisons"][0]["metric"], "accuracy");
  EXPECT_TRUE(r["offline"]["comparisons"][0]["bootstrap"]["bca"]["defined"].get<bool>());
  EXPECT_FALSE(r["offline"]["slices"].empty());
  EXPECT_TRUE(r["offline"].contains("latency_ms"));
  const std::string md = read_file(dir / "compare" / "report.md");
  EXPECT_EQ(md.find("# A/B report"), 0u);
  EXPECT_NE(md.find("**Verdict: PROMOTE_B**"), std::string::npos);
  const std::string html = read_file(dir / "compare" / "report.html");
  EXPECT_LT(html.find("PROMOTE_B"), 2000u) << "the verdict is in the first screen";
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "no external resource";
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST_F(AbtestCommand, SimulateThenAnalyseTheLog) {
  ASSERT_EQ(cli::run_abtest([&] { auto a = inputs("sim"); a.insert(a.begin(), "simulate"); return a; }()), 0);
  const json sim = read_json(dir / "sim" / "report.json");
  EXPECT_EQ(sim["mode"], "simulate");
  EXPECT_FALSE(sim["online"]["srm"]["failed"].get<bool>());
  ASSERT_TRUE(std::filesystem::exists(dir / "sim" / "log.csv"));
  ASSERT_EQ(cli::run_abtest({"analyse", "--log", (dir / "sim" / "log.csv").string(), "--out", (dir / "an").string()}), 0);
  const json an = read_json(dir / "an" / "report.json");
  EXPECT_EQ(an["online"]["customers"], sim["online"]["customers"]);
  EXPECT_DOUBLE_EQ(an["online"]["welch_t"]["p_value"].get<double>(), sim["online"]["welch_t"]["p_value"].get<double>());
}

TEST_F(AbtestCommand, UsageAndConfigErrors) {
  EXPECT_THROW(cli::run_abtest({"frobnicate"}), Error);
  try {
    cli::run_abtest({"--set", "abtest.decision.primary_metric=acuracy"});
    FAIL() << "expected a config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
  }
  try {
    cli::run_abtest({"--out", (dir / "x").string()});
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(e.fix().find("--a"), std::string::npos);
  }
}

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

std::string run_and_capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf;
  while (size_t got = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), got);
  const int status = pclose(pipe);
  if (status != 0) out += "\n[exit status " + std::to_string(status) + "]";
  return out;
}

TEST_F(AbtestCommand, HtmlReportLoadsInHeadlessChromium) {
  const std::string browser = chromium();
  if (browser.empty()) STOREFUSE_MISSING_PEER("chromium is not installed (apt-get install chromium)");
  ASSERT_EQ(cli::run_abtest(inputs("html")), 0);
  const auto profile = dir / "chromium-profile";
  const auto log = dir / "chromium.log";
  const std::string cmd = browser +
                          " --headless --no-sandbox --disable-gpu --disable-background-networking"
                          " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                          profile.string() + " --enable-logging=stderr --v=0 --dump-dom file://" +
                          (dir / "html" / "report.html").string() + " 2>" + log.string();
  const std::string dom = run_and_capture(cmd);
  const std::string console = read_file(log);
  EXPECT_EQ(dom.find("[exit status"), std::string::npos) << dom.substr(dom.size() > 300 ? dom.size() - 300 : 0) << console;
  EXPECT_NE(dom.find("id=\"verdict\">PROMOTE_B<"), std::string::npos) << "verdict not in the DOM";
  EXPECT_NE(dom.find("<svg"), std::string::npos);
  EXPECT_EQ(console.find("CONSOLE"), std::string::npos) << console;
  EXPECT_EQ(console.find("Uncaught"), std::string::npos) << console;
}

}  // namespace
}  // namespace storefuse::abtest
