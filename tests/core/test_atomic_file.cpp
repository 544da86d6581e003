#include <gtest/gtest.h>

#include <filesystem>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/json.h"

namespace fs = std::filesystem;
using storefuse::AtomicFile;
using storefuse::Error;
using storefuse::ErrorKind;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("storefuse_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

size_t count_files(const fs::path& d) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(d), fs::directory_iterator()));
}

}  // namespace

TEST(AtomicFile, WritesAndReplacesWholeFile) {
  auto d = fresh_dir("atomic_write");
  storefuse::write_file_atomic(d / "a.txt", "first");
  storefuse::write_file_atomic(d / "a.txt", "second version");
  EXPECT_EQ(storefuse::read_file(d / "a.txt"), "second version");
  EXPECT_EQ(count_files(d), 1u) << "no temp file may be left behind";
}

TEST(AtomicFile, UncommittedWriteLeavesOldFileAndNoTemp) {
  auto d = fresh_dir("atomic_abort");
  storefuse::write_file_atomic(d / "model.bin", "good");
  {
    AtomicFile f(d / "model.bin");
    storefuse::write_file_atomic(d / "unrelated", "x");
    EXPECT_TRUE(fs::exists(f.temp_path()));
    // destroyed without commit(): simulates an error mid-write
  }
  EXPECT_EQ(storefuse::read_file(d / "model.bin"), "good");
  EXPECT_EQ(count_files(d), 2u);
}

TEST(AtomicFile, MissingDirectoryIsAnIoErrorNamingIt) {
  auto d = fresh_dir("atomic_missing");
  try {
    storefuse::write_file_atomic(d / "no" / "such" / "x.json", "{}");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
    EXPECT_NE(e.where().find("no/such"), std::string::npos) << e.what();
    EXPECT_FALSE(e.fix().empty());
    EXPECT_EQ(exit_code(e), 1);
  }
}

TEST(AtomicFile, JsonRoundTripAndParseErrorNamesFile) {
  auto d = fresh_dir("atomic_json");
  storefuse::json v = {{"acc", 0.94}, {"classes", {"browsing", "queueing"}}};
  storefuse::write_json_atomic(d / "m.json", v);
  EXPECT_EQ(storefuse::read_json(d / "m.json"), v);
  storefuse::write_file_atomic(d / "bad.json", "{\"a\": ");
  try {
    storefuse::read_json(d / "bad.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Data);
    EXPECT_NE(e.where().find("bad.json"), std::string::npos);
  }
}

TEST(Error, UsageAndConfigExitTwoOthersExitOne) {
  EXPECT_EQ(exit_code(Error(ErrorKind::Usage, "x")), 2);
  EXPECT_EQ(exit_code(Error(ErrorKind::Config, "x")), 2);
  EXPECT_EQ(exit_code(Error(ErrorKind::Data, "x")), 1);
  Error e(ErrorKind::Config, "unknown key 'optim.lrr'", "exp.yaml:4", "did you mean 'optim.lr'?");
  std::string msg = e.what();
  EXPECT_NE(msg.find("exp.yaml:4"), std::string::npos);
  EXPECT_NE(msg.find("did you mean"), std::string::npos);
}
