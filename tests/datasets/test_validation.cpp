// DatasetReader::open() refuses damaged or inconsistent files with a clear
// storefuse::Error, and HDF5 itself prints nothing.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <fstream>

#include "dataset_fixture.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"

namespace storefuse::datasets {
namespace {

using testing::make_rows;
using testing::tiny_vector_spec;
using testing::write_rows;

class Validation : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    path_ = file("d.h5");
    write_rows(path_, tiny_vector_spec(), 100, {0, /*chunk_rows=*/32, true});
  }

  // Opens path_ and returns the error, checking its kind, that it names the
  // file, and that nothing reached stderr.
  Error open_error(ReadOptions options = {}) {
    ::testing::internal::CaptureStderr();
    try {
      DatasetReader::open(path_, options);
    } catch (const Error& e) {
      std::string err = ::testing::internal::GetCapturedStderr();
      EXPECT_EQ(err, "") << "HDF5 printed to stderr";
      EXPECT_EQ(e.kind(), ErrorKind::Data);
      EXPECT_NE(e.where().find(path_.string()), std::string::npos) << e.what();
      return e;
    }
    ::testing::internal::GetCapturedStderr();
    ADD_FAILURE() << "open() accepted the file";
    return Error(ErrorKind::Runtime, "");
  }

  // Opens the file with the HDF5 C API to damage it on purpose.
  hid_t open_rw() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    EXPECT_GE(f, 0);
    return f;
  }

  std::filesystem::path path_;
};

#define EXPECT_MESSAGE(error, needle) \
  EXPECT_NE(std::string((error).what()).find(needle), std::string::npos) << (error).what()

TEST_F(Validation, ATruncatedFileSaysSo) {
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) / 2);
  EXPECT_MESSAGE(open_error(), "truncated");
}

TEST_F(Validation, AFileThatIsNotHdf5SaysSo) {
  std::ofstream(path_) << "sample_id,store_id\n1,2\n";
  EXPECT_MESSAGE(open_error(), "not an HDF5 file");
}

TEST_F(Validation, AMissingFileIsAnIoError) {
  try {
    DatasetReader::open(file("nope.h5"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}

TEST_F(Validation, ANewerFormatVersionNamesTheVersionThisBuildReads) {
  hid_t f = open_rw();
  hid_t attr = H5Aopen(f, "format_version", H5P_DEFAULT);
  int64_t two = 2;
  H5Awrite(attr, H5T_NATIVE_INT64, &two);
  H5Aclose(attr);
  H5Fclose(f);
  Error e = open_error();
  EXPECT_MESSAGE(e, "format version 2 is newer than this build reads (version 1)");
  EXPECT_MESSAGE(e, "upgrade storefuse");
}

TEST_F(Validation, MismatchedRowCountsNameBothDatasets) {
  hid_t f = open_rw();
  hid_t ds = H5Dopen2(f, "ids/store_id", H5P_DEFAULT);
  hsize_t n = 103;
  H5Dset_extent(ds, &n);
  H5Dclose(ds);
  H5Fclose(f);
  EXPECT_MESSAGE(open_error(), "'ids/store_id' has 103 rows but 'inputs/visual' has 100");
}

TEST_F(Validation, AWrongDtypeNamesTheDatasetAndTheExpectedType) {
  hid_t f = open_rw();
  H5Ldelete(f, "inputs/audio", H5P_DEFAULT);
  hsize_t dims[2] = {100, 4};
  hid_t space = H5Screate_simple(2, dims, nullptr);
  hid_t ds = H5Dcreate2(f, "inputs/audio", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT);
  H5Dclose(ds);
  H5Sclose(space);
  H5Fclose(f);
  EXPECT_MESSAGE(open_error(), "'inputs/audio' has the wrong dtype: expected float32");
}

TEST_F(Validation, AWrongShapeNamesTheDataset) {
  hid_t f = open_rw();
  H5Ldelete(f, "mask", H5P_DEFAULT);
  hsize_t dims[2] = {100, 3};
  hid_t space = H5Screate_simple(2, dims, nullptr);
  H5Dclose(H5Dcreate2(f, "mask", H5T_STD_U8LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  H5Sclose(space);
  H5Fclose(f);
  EXPECT_MESSAGE(open_error(), "'mask' has shape [100, 3], expected [N, 4]");
}

TEST_F(Validation, AnOutOfRangeClassIsAnError) {
  FeatureSpec spec = tiny_vector_spec();
  Batch rows = make_rows(spec, 0, 50);
  rows.behavior[12] = 10;
  DatasetWriter w(path_, spec, json::object());
  w.append(rows);
  w.close();
  EXPECT_MESSAGE(open_error(), "'targets/behavior' row 12: class 10 is outside 0..9");
}

// One row per sample, the rule of ingest's manifest and of abtest's
// prediction files: a dataset with a repeated sample_id fails open(), so
// validate, predict, eval and a model-vs-model A/B all refuse it alike.
TEST_F(Validation, ARepeatedSampleIdNamesBothRows) {
  FeatureSpec spec = tiny_vector_spec();
  Batch rows = make_rows(spec, 0, 50);
  rows.sample_id[31] = rows.sample_id[7];
  DatasetWriter w(path_, spec, json::object());
  w.append(rows);
  w.close();
  EXPECT_MESSAGE(open_error(), "sample_id 7 appears twice (rows 7 and 31)");
}

class NanRows : public Validation {
 protected:
  void SetUp() override {
    Validation::SetUp();
    FeatureSpec spec = tiny_vector_spec();
    Batch rows = make_rows(spec, 0, 100);
    rows.input(Modality::Audio).as<float>()[37 * 4 + 2] = std::nanf("");
    rows.input(Modality::Visual).as<float>()[80 * 8 + 1] = INFINITY;
    rows.engagement[90] = std::nanf("");
    DatasetWriter w(path_, spec, json::object(), {0, 32, true});
    w.append(rows);
    w.close();
  }
};

TEST_F(NanRows, AreAnErrorNamingTheDatasetAndFirstRow) {
  Error e = open_error();
  EXPECT_MESSAGE(e, "'inputs/audio' has NaN or Inf in row 37 (first bad row; 3 bad rows in all)");
  EXPECT_MESSAGE(e, "NanPolicy::Skip");
  // The hint names the config key train reads, not a flag train lacks.
  EXPECT_MESSAGE(e, "data.nan_policy: skip");
  EXPECT_EQ(std::string(e.what()).find("--nan-policy skip)"), std::string::npos) << e.what();
}

TEST_F(NanRows, AreSkippedAndCountedUnderTheSkipPolicy) {
  auto reader = DatasetReader::open(path_, {NanPolicy::Skip});
  EXPECT_EQ(reader->skipped_rows(), (std::vector<int64_t>{37, 80, 90}));
  EXPECT_EQ(reader->num_rows(), 100);
}

}  // namespace
}  // namespace storefuse::datasets
