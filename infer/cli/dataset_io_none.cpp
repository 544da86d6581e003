#include "dataset_io.h"
#include "storefuse/core/error.h"

namespace storefuse::infer::cli {
namespace {

[[noreturn]] void no_hdf5(const std::string& path) {
  throw Error(ErrorKind::Unsupported, "this build of storefuse-infer reads and writes no dataset files (built without HDF5)",
              path, "predict from raw files with --media, or use a build with STOREFUSE_WITH_HDF5=ON");
}

}  // namespace

bool reads_datasets() { return false; }

std::unique_ptr<DatasetRows> open_dataset(const std::string& path) { no_hdf5(path); }

std::unique_ptr<DatasetSink> create_dataset(const std::string& path, const datasets::FeatureSpec&, const json&, bool) {
  no_hdf5(path);
}

}  // namespace storefuse::infer::cli
