#include "dataset_io.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/datasets/dataset_writer.h"

namespace storefuse::infer::cli {
namespace {

class Hdf5Rows : public DatasetRows {
 public:
  explicit Hdf5Rows(const std::string& path) : reader_(datasets::DatasetReader::open(path, {})) {}
  const datasets::FeatureSpec& spec() const override { return reader_->spec(); }
  int64_t num_rows() const override { return reader_->num_rows(); }
  bool has_targets() const override { return reader_->has_targets(); }
  datasets::Batch read(int64_t begin, int64_t end) override { return reader_->read(begin, end); }

 private:
  std::shared_ptr<datasets::DatasetReader> reader_;
};

class Hdf5Sink : public DatasetSink {
 public:
  Hdf5Sink(const std::string& path, const datasets::FeatureSpec& spec, const json& provenance,
           const datasets::WriterOptions& o)
      : writer_(path, spec, provenance, o) {}
  void append(const datasets::Batch& rows) override { writer_.append(rows); }
  void close() override { writer_.close(); }

 private:
  datasets::DatasetWriter writer_;
};

}  // namespace

bool reads_datasets() { return true; }

std::unique_ptr<DatasetRows> open_dataset(const std::string& path) { return std::make_unique<Hdf5Rows>(path); }

std::unique_ptr<DatasetSink> create_dataset(const std::string& path, const datasets::FeatureSpec& spec,
                                            const json& provenance, bool has_targets) {
  datasets::WriterOptions o;
  o.has_targets = has_targets;
  return std::make_unique<Hdf5Sink>(path, spec, provenance, o);
}

}  // namespace storefuse::infer::cli
