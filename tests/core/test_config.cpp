// Layered configs: defaults < includes < file < --set, checked against the
// schema that configs/defaults.yaml defines.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"

namespace fs = std::filesystem;
namespace cfg = storefuse::config;
using storefuse::Error;
using storefuse::ErrorKind;

namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("storefuse_cfg_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  // Runs `f`, expects a Config error, returns it for inspection.
  template <class F>
  Error expect_config_error(F f) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Config) << e.what();
      EXPECT_EQ(exit_code(e), 2);
      return e;
    }
    ADD_FAILURE() << "expected a config error";
    return Error(ErrorKind::Runtime, "none");
  }
  fs::path dir_;
};

}  // namespace

TEST_F(ConfigTest, DefaultsAloneResolve) {
  auto c = cfg::load("");
  EXPECT_EQ(c["optim"]["type"].as_string(), "adam");
  EXPECT_DOUBLE_EQ(c["optim"]["lr"].as_double(), 1e-3);
  EXPECT_EQ(c["data"]["batch_size"].as_int(), 256);
  EXPECT_EQ(c["model"]["params"]["fusion_hidden"].as_int_list(),
            (std::vector<int64_t>{1024, 512, 256}));
  EXPECT_EQ(c["optim"]["lr"].path(), "optim.lr");
}

TEST_F(ConfigTest, IncludesMergeInOrderAndOwnKeysWin) {
  write("base.yaml", "optim:\n  lr: 0.01\n  weight_decay: 0.5\ntrain:\n  epochs: 3\n");
  write("more.yaml", "optim:\n  weight_decay: 0.25\n");
  auto exp = write("exp.yaml", "include: [base.yaml, more.yaml]\ntrain:\n  epochs: 7\n");
  auto c = cfg::load(exp);
  EXPECT_DOUBLE_EQ(c["optim"]["lr"].as_double(), 0.01);            // from base
  EXPECT_DOUBLE_EQ(c["optim"]["weight_decay"].as_double(), 0.25);  // more wins over base
  EXPECT_EQ(c["train"]["epochs"].as_int(), 7);                     // own key wins
  EXPECT_EQ(c["optim"]["type"].as_string(), "adam");               // untouched default
  EXPECT_NE(c["optim"]["lr"].origin().str().find("base.yaml:2"), std::string::npos)
      << c["optim"]["lr"].origin().str();
}

TEST_F(ConfigTest, SetOverridesWinAndAreTypedBySchema) {
  auto exp = write("exp.yaml", "optim:\n  lr: 0.01\n");
  auto c = cfg::load(exp, {"optim.lr=3e-4", "data.stores=[1, 2, 5]", "run.name=ab_test"});
  EXPECT_DOUBLE_EQ(c["optim"]["lr"].as_double(), 3e-4);
  EXPECT_EQ(c["data"]["stores"].as_int_list(), (std::vector<int64_t>{1, 2, 5}));
  EXPECT_EQ(c["run"]["name"].as_string(), "ab_test");
  EXPECT_EQ(c["optim"]["lr"].origin().file, "--set optim.lr=3e-4");

  auto e = expect_config_error([&] { cfg::load(exp, {"optim.lr=fast"}); });
  EXPECT_NE(std::string(e.what()).find("optim.lr"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find("--set optim.lr=fast"), std::string::npos) << e.what();

  e = expect_config_error([&] { cfg::load(exp, {"train.epochs=2.5"}); });
  EXPECT_NE(e.problem().find("expects an integer"), std::string::npos) << e.what();

  e = expect_config_error([&] { cfg::load(exp, {"optim.lrr=1"}); });
  EXPECT_NE(e.fix().find("optim.lr"), std::string::npos) << e.what();

  expect_config_error([&] { cfg::load(exp, {"no_equals_sign"}); });
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineAndClosestKey) {
  auto exp = write("exp.yaml", "run:\n  seed: 1\noptim:\n  type: adam\n  lrr: 0.1\n");
  auto e = expect_config_error([&] { cfg::load(exp); });
  EXPECT_NE(e.problem().find("unknown key 'optim.lrr'"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find("exp.yaml:5:3"), std::string::npos) << e.what();
  EXPECT_NE(e.fix().find("did you mean 'optim.lr'?"), std::string::npos) << e.what();
}

TEST_F(ConfigTest, KeyAtTheWrongLevelSuggestsItsFullPath) {
  auto exp = write("exp.yaml", "weight_decay: 0.1\n");
  auto e = expect_config_error([&] { cfg::load(exp); });
  EXPECT_NE(e.fix().find("optim.weight_decay"), std::string::npos) << e.what();
}

TEST_F(ConfigTest, WrongTypeNamesFileAndLine) {
  auto exp = write("exp.yaml", "train:\n  epochs: many\n");
  auto e = expect_config_error([&] { cfg::load(exp); });
  EXPECT_NE(e.problem().find("'train.epochs' expects an integer, got 'many'"), std::string::npos)
      << e.what();
  EXPECT_NE(e.where().find("exp.yaml:2:11"), std::string::npos) << e.what();

  exp = write("exp2.yaml", "data:\n  stores: 3\n");
  e = expect_config_error([&] { cfg::load(exp); });
  EXPECT_NE(e.problem().find("must be a list"), std::string::npos) << e.what();

  exp = write("exp3.yaml", "optim: 0.1\n");
  e = expect_config_error([&] { cfg::load(exp); });
  EXPECT_NE(e.problem().find("must be a map"), std::string::npos) << e.what();
}

TEST_F(ConfigTest, OutOfRangeValueNamesOrigin) {
  auto exp = write("exp.yaml", "optim:\n  lr: -1\n");
  auto c = cfg::load(exp);  // the schema types it; the range belongs to the reader
  auto e = expect_config_error([&] { c["optim"]["lr"].as_positive_double(); });
  EXPECT_NE(e.where().find("exp.yaml:2"), std::string::npos) << e.what();
  e = expect_config_error([&] { c["train"]["epochs"].as_int(100, 1000); });
  EXPECT_NE(e.problem().find("[100, 1000]"), std::string::npos) << e.what();
  e = expect_config_error([&] { c["optim"]["type"].as_choice({"sgd", "adamw"}); });
  EXPECT_NE(e.problem().find("not one of: sgd, adamw"), std::string::npos) << e.what();
}

TEST_F(ConfigTest, ChangingAComponentTypeDropsTheOldParams) {
  auto exp = write("exp.yaml", "model:\n  type: fusion_net\n  params:\n    fusion: gated\n");
  auto c = cfg::load(exp);
  EXPECT_EQ(c["model"]["type"].as_string(), "fusion_net");
  EXPECT_EQ(c["model"]["params"].keys(), (std::vector<std::string>{"fusion"}));
  // Same type: params merge key by key.
  exp = write("same.yaml", "model:\n  params:\n    heads: 4\n");
  c = cfg::load(exp);
  EXPECT_EQ(c["model"]["params"]["heads"].as_int(), 4);
  EXPECT_EQ(c["model"]["params"]["embed_dim"].as_int(), 512);
}

TEST_F(ConfigTest, IncludeCycleAndMissingIncludeAreErrors) {
  write("a.yaml", "include: b.yaml\n");
  write("b.yaml", "include: a.yaml\n");
  auto e = expect_config_error([&] { cfg::load(dir_ / "a.yaml"); });
  EXPECT_NE(e.problem().find("include cycle"), std::string::npos) << e.what();
  write("c.yaml", "include: nope.yaml\n");
  e = expect_config_error([&] { cfg::load(dir_ / "c.yaml"); });
  EXPECT_NE(e.where().find("nope.yaml"), std::string::npos) << e.what();
}

TEST_F(ConfigTest, SyntaxErrorAndDuplicateKeyNamePosition) {
  auto exp = write("bad.yaml", "optim:\n  lr: [1, 2\n");
  auto e = expect_config_error([&] { cfg::load(exp); });
  EXPECT_NE(e.where().find("bad.yaml:"), std::string::npos) << e.what();
  exp = write("dup.yaml", "optim:\n  lr: 1\n  lr: 2\n");
  e = expect_config_error([&] { cfg::load(exp); });
  EXPECT_NE(e.problem().find("duplicate key 'lr'"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find("dup.yaml:3"), std::string::npos) << e.what();
}

TEST_F(ConfigTest, ResolvedYamlRoundTrips) {
  auto exp = write("exp.yaml", "run:\n  name: \"007\"\noptim:\n  lr: 0.5\n");
  auto c = cfg::load(exp, {"train.epochs=4"});
  auto again = cfg::parse_string(c.to_yaml(), "resolved.yaml");
  EXPECT_EQ(again.to_json(), c.to_json());
  EXPECT_EQ(c["run"]["name"].to_json(), "007");  // quoted stays a string
  EXPECT_NE(c.to_yaml_with_origins().find("exp.yaml:4"), std::string::npos);
}

TEST(ConfigSuggest, ClosestWord) {
  EXPECT_EQ(cfg::edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(cfg::closest("lrr", {"lr", "weight_decay"}).value_or(""), "lr");
  EXPECT_FALSE(cfg::closest("zzzzzz", {"lr", "betas"}).has_value());
}

// configs/defaults.yaml is the documentation of every key: each key that
// holds a value carries a comment saying what it does.
TEST(ConfigDefaults, EveryKeyIsDocumented) {
  std::ifstream in(std::string(STOREFUSE_SOURCE_DIR) + "/configs/defaults.yaml");
  ASSERT_TRUE(in) << "configs/defaults.yaml not found";
  std::string line;
  int number = 0, keys = 0;
  const std::regex leaf("^\\s*[a-z_0-9]+:\\s*[^\\s#].*$");
  while (std::getline(in, line)) {
    ++number;
    if (!std::regex_match(line, leaf)) continue;
    ++keys;
    EXPECT_NE(line.find('#'), std::string::npos)
        << "configs/defaults.yaml:" << number << " has no comment: " << line;
  }
  EXPECT_GT(keys, 50);
}

// Aliases expand into the config tree; a config past the value budget is a
// config error before it grows (issue: a 236-byte alias bomb took 2.6 GB).
TEST(ConfigLoad, AnAliasBombIsAConfigErrorNamingTheLimit) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    yaml += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? ", *" : "*") + char(c - 1);
    yaml += "]\n";
  }
  try {
    cfg::parse_string(yaml, "bomb.yaml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
    EXPECT_NE(std::string(e.what()).find("more than 100000 values"), std::string::npos) << e.what();
  }
  // Depth is bounded too, and a config of ordinary size still loads.
  std::string deep = "a: ", close;
  for (int i = 0; i < 80; ++i) deep += "[", close += "]";
  EXPECT_THROW(cfg::parse_string(deep + "1" + close + "\n", "deep.yaml"), Error);
  EXPECT_NO_THROW(cfg::parse_string("a: &x [1, 2]\nb: *x\n", "ok.yaml"));
}
