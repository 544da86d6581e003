// load_stream_config (infer/stream/stream_config.h) on YAML files written to
// a temporary folder: a minimal valid file loads with the defaults and its
// relative paths taken from the file's folder; --set overrides apply; an
// unknown key is refused naming the key and file:line; so are a value of the
// wrong type, allowed_lateness_s with late: count, a file naming no input,
// share_group without an MQTT host and an empty model. Every refusal is
// storefuse::Error of kind Config.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "storefuse/core/error.h"
#include "stream_config.h"

namespace {

namespace fs = std::filesystem;
using namespace storefuse;
using infer::stream::LatePolicy;
using infer::stream::load_stream_config;
using infer::stream::StreamConfig;

class StreamConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("storefuse-stream-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "conf");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& yaml) {
    const fs::path p = dir_ / "conf" / "stream.yaml";
    std::ofstream(p) << yaml;
    return p;
  }

  // The Error(Config) loading `yaml` throws; fails the test when it loads.
  Error refusal(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    const fs::path p = write(yaml);
    try {
      load_stream_config(p, sets);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Config) << e.what();
      return e;
    }
    ADD_FAILURE() << "loaded:\n" << yaml;
    return Error(ErrorKind::Runtime, "loaded");
  }

  std::string file() const { return (dir_ / "conf" / "stream.yaml").string(); }

  fs::path dir_;
};

const std::string kMinimal = "model: models/seed.onnx\ninputs:\n  socket: /run/storefuse.sock\n";

TEST_F(StreamConfigTest, MinimalFileLoadsWithTheDefaults) {
  const StreamConfig c = load_stream_config(write(kMinimal));
  EXPECT_EQ(c.model, dir_ / "conf" / "models" / "seed.onnx");
  EXPECT_EQ(c.socket, "/run/storefuse.sock");
  EXPECT_EQ(c.source, file());
  EXPECT_DOUBLE_EQ(c.window.length_s, 4.0);
  EXPECT_DOUBLE_EQ(c.window.hop_s, 1.0);
  EXPECT_DOUBLE_EQ(c.window.deadline_s, 2.0);
  EXPECT_EQ(c.window.late, LatePolicy::Count);
  EXPECT_DOUBLE_EQ(c.window.out_of_order_s[2], 1.0);
  EXPECT_DOUBLE_EQ(c.window.keep_s, 0.0);
  EXPECT_DOUBLE_EQ(c.window.idle_lag_s[0], 2.0);
  EXPECT_DOUBLE_EQ(c.window.idle_lag_s[2], 0.5);
  EXPECT_EQ(c.prefix, "storefuse");
  EXPECT_EQ(c.mqtt.host, "");
  EXPECT_EQ(c.message_limits.max_bytes, size_t(1) << 20);
  EXPECT_EQ(c.events_options.security_class, "concealment");
  EXPECT_EQ(c.metrics_port, -1);
  EXPECT_TRUE(c.predictions.empty());
}

TEST_F(StreamConfigTest, RelativePathsAreTakenFromTheFilesFolder) {
  const StreamConfig c = load_stream_config(
      write("model: /abs/m.onnx\ninputs:\n  socket: s.sock\noutputs:\n  events: out/events.jsonl\n"));
  EXPECT_EQ(c.model, fs::path("/abs/m.onnx"));
  EXPECT_EQ(fs::path(c.socket), dir_ / "conf" / "s.sock");
  EXPECT_EQ(c.events, dir_ / "conf" / "out" / "events.jsonl");
}

TEST_F(StreamConfigTest, SetsOverrideTheFile) {
  const StreamConfig c = load_stream_config(write(kMinimal + "window:\n  hop_s: 2.0\n"),
                                            {"window.hop_s=0.5", "window.out_of_order_s.audio=0.1"});
  EXPECT_DOUBLE_EQ(c.window.hop_s, 0.5);
  EXPECT_DOUBLE_EQ(c.window.out_of_order_s[1], 0.1);
}

TEST_F(StreamConfigTest, UnknownKeyNamesTheKeyAndFileLine) {
  const Error e = refusal(kMinimal + "window:\n  hop_seconds: 2\n");
  EXPECT_NE(e.problem().find("window.hop_seconds"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find(file() + ":5"), std::string::npos) << e.what();
}

TEST_F(StreamConfigTest, WrongTypeNamesTheKeyAndFileLine) {
  const Error e = refusal(kMinimal + "window:\n  hop_s: fast\n");
  EXPECT_NE(e.problem().find("window.hop_s"), std::string::npos) << e.what();
  EXPECT_NE(e.problem().find("fast"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find(file() + ":5"), std::string::npos) << e.what();
}

TEST_F(StreamConfigTest, IdleLagIsAMapOfModalities) {
  const StreamConfig c = load_stream_config(write(kMinimal + "window:\n  idle_lag_s:\n    text: 4\n"));
  EXPECT_DOUBLE_EQ(c.window.idle_lag_s[2], 4.0);
  EXPECT_DOUBLE_EQ(c.window.idle_lag_s[3], 3.0);
  const Error e = refusal(kMinimal + "window:\n  idle_lag_s: 5\n");  // one number for all: not any more
  EXPECT_NE(e.problem().find("window.idle_lag_s"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find(file() + ":5"), std::string::npos) << e.what();
}

TEST_F(StreamConfigTest, AllowedLatenessNeedsRevise) {
  const Error e = refusal(kMinimal + "window:\n  allowed_lateness_s: 5\n");
  EXPECT_NE(e.problem().find("window.allowed_lateness_s"), std::string::npos) << e.what();
  EXPECT_NE(e.problem().find("count"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find(file()), std::string::npos) << e.what();
  const StreamConfig c = load_stream_config(write(kMinimal + "window:\n  late: revise\n  allowed_lateness_s: 5\n"));
  EXPECT_EQ(c.window.late, LatePolicy::Revise);
  EXPECT_DOUBLE_EQ(c.window.allowed_lateness_s, 5.0);
}

TEST_F(StreamConfigTest, NoInputIsRefused) {
  const Error e = refusal("model: m.onnx\n");
  EXPECT_NE(e.problem().find("names no input"), std::string::npos) << e.what();
}

TEST_F(StreamConfigTest, ShareGroupNeedsAHost) {
  const Error e = refusal(kMinimal + "  mqtt:\n    share_group: workers\n");
  EXPECT_NE(e.problem().find("inputs.mqtt.share_group"), std::string::npos) << e.what();
  EXPECT_NE(e.problem().find("inputs.mqtt.host"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find(file()), std::string::npos) << e.what();
  const StreamConfig c =
      load_stream_config(write("model: m.onnx\ninputs:\n  mqtt:\n    host: broker\n    share_group: workers\n"));
  EXPECT_EQ(c.mqtt.share_group, "workers");
  EXPECT_DOUBLE_EQ(c.window.keep_s, 10.0);  // max(10, 4 * deadline_s)
}

TEST_F(StreamConfigTest, EmptyModelIsRefused) {
  const Error e = refusal("inputs:\n  socket: s.sock\n");
  EXPECT_NE(e.problem().find("'model' is empty"), std::string::npos) << e.what();
}

}  // namespace
