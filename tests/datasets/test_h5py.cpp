// Files are readable by h5py: the format is for Python users too.
#include <gtest/gtest.h>

#include "../peer.h"

#include <cstdio>
#include <fstream>

#include "dataset_fixture.h"

namespace storefuse::datasets {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

bool have_h5py() {
  if (!std::filesystem::exists(kPython)) return false;
  return std::system((std::string(kPython) + " -c 'import h5py' 2>/dev/null").c_str()) == 0;
}

class H5py : public testing::TempDirTest {};

TEST_F(H5py, ReadsShapesDtypesAndAttributes) {
  if (!have_h5py()) STOREFUSE_MISSING_PEER(kPython << " with h5py is not installed");
  const auto path = file("d.h5");
  testing::write_rows(path, testing::sequence_spec(), 50, {3, 16, true});

  const auto script = file("check.py");
  std::ofstream(script) << R"(import json, sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format"] == "storefuse-dataset", f.attrs["format"]
    assert f.attrs["format_version"] == 1
    spec = json.loads(f.attrs["feature_spec"])
    assert spec["modalities"]["visual"]["shape"] == [3, 4, 5], spec
    assert list(f.attrs["class_names"]) == ["class%d" % i for i in range(10)]
    assert json.loads(f.attrs["provenance"])["source"] == "test"
    assert f.attrs["has_targets"] == 1
    assert f["inputs/visual"].shape == (50, 3, 4, 5) and f["inputs/visual"].dtype == "uint8"
    assert f["inputs/audio"].shape == (50, 6, 13) and f["inputs/audio"].dtype == "float32"
    assert f["inputs/text"].dtype == "int32" and f["mask"].shape == (50, 4)
    assert f["targets/behavior"].dtype == "int64" and f["ids/timestamp"].dtype == "float64"
    assert f["ids/store_id"].dtype == "int32"
    assert list(f["ids/sample_id"][:3]) == [0, 1, 2]
    assert f["inputs/audio"][10, 0, 0] == 10.0
    assert f["inputs/audio"].compression == "gzip" and f["inputs/audio"].shuffle
print("ok")
)";
  const std::string cmd = std::string(kPython) + " " + script.string() + " " + path.string() + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  EXPECT_EQ(::pclose(pipe), 0) << out;
  EXPECT_EQ(out, "ok\n");
}

}  // namespace
}  // namespace storefuse::datasets
