#include "storefuse/datasets/dataset_writer.h"

#include <algorithm>
#include <ctime>

#include "hdf5_util.h"
#include "layout.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_format.h"
#include "storefuse/version.h"

namespace storefuse::datasets {
namespace {

constexpr int64_t kTargetChunkBytes = 1 << 20;
constexpr int64_t kMaxAutoChunkRows = 1024;

int64_t auto_chunk_rows(const FeatureSpec& spec) {
  int64_t widest = 1;
  for (Modality m : kModalities) widest = std::max(widest, spec[m].sample_bytes());
  return std::clamp<int64_t>(kTargetChunkBytes / widest, 1, kMaxAutoChunkRows);
}

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

struct DatasetWriter::Impl {
  // Declared first so it is destroyed last: HDF5 handles close before the
  // uncommitted temp file is removed.
  AtomicFile file;
  std::string where;  // the target path, for messages
  FeatureSpec spec;
  WriterOptions options;
  std::vector<layout::Column> columns;
  h5::Handle h5file;
  std::vector<h5::Handle> datasets;  // parallel to columns
  Batch pending;                     // up to chunk_rows buffered rows
  int64_t pending_rows = 0;
  int64_t flushed_rows = 0;
  bool closed = false;

  Impl(std::filesystem::path path, FeatureSpec s, WriterOptions o)
      : file(path), where(path.string()), spec(std::move(s)), options(o) {}

  void create(const json& provenance);
  void flush();
};

void DatasetWriter::Impl::create(const json& provenance) {
  h5::Hdf5Lock lock;
  h5file = h5::Handle(h5::check_id(H5Fcreate(file.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT,
                                             H5P_DEFAULT),
                                   "cannot create HDF5 file", file.temp_path().string()),
                      H5Fclose);
  hid_t root = h5file.get();
  h5::write_string_attr(root, kAttrFormat, kFormatName, where);
  h5::write_int_attr(root, kAttrFormatVersion, kFormatVersion, where);
  h5::write_string_attr(root, kAttrFeatureSpec, spec.to_json().dump(), where);
  h5::write_string_list_attr(root, kAttrClassNames, spec.class_names, where);
  h5::write_string_attr(root, kAttrProvenance, provenance.dump(), where);
  h5::write_int_attr(root, kAttrHasTargets, options.has_targets ? 1 : 0, where);

  for (const char* group : layout::kGroups) {
    if (!options.has_targets && std::string(group) == "targets") continue;
    h5::Handle g(h5::check_id(H5Gcreate2(root, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                              std::string("cannot create group '") + group + "'", where),
                 H5Gclose);
  }
  for (const auto& col : columns) {
    std::vector<hsize_t> dims = {0}, maxdims = {H5S_UNLIMITED},
                         chunk = {static_cast<hsize_t>(options.chunk_rows)};
    for (int64_t d : col.sample_shape) {
      dims.push_back(d);
      maxdims.push_back(d);
      chunk.push_back(d);
    }
    h5::Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims.data()),
                     H5Sclose);
    h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    if (options.compression_level > 0) {
      H5Pset_shuffle(dcpl.get());
      H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.compression_level));
    }
    datasets.emplace_back(
        h5::check_id(H5Dcreate2(root, col.path.c_str(), col.type.file_type, space.get(),
                                H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                     "cannot create dataset '" + col.path + "'", where),
        H5Dclose);
  }
}

// Appends the pending rows to every dataset. Called with whole chunks, except
// for the last call from close().
void DatasetWriter::Impl::flush() {
  if (pending_rows == 0) return;
  h5::Hdf5Lock lock;
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& col = columns[i];
    hid_t ds = datasets[i].get();
    std::vector<hsize_t> dims = {static_cast<hsize_t>(flushed_rows + pending_rows)};
    std::vector<hsize_t> start = {static_cast<hsize_t>(flushed_rows)};
    std::vector<hsize_t> count = {static_cast<hsize_t>(pending_rows)};
    for (int64_t d : col.sample_shape) {
      dims.push_back(d);
      start.push_back(0);
      count.push_back(d);
    }
    std::string what = "cannot write rows to '" + col.path + "'";
    h5::check_status(H5Dset_extent(ds, dims.data()), what, where);
    h5::Handle fspace(H5Dget_space(ds), H5Sclose);
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    h5::Handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                      H5Sclose);
    h5::check_status(H5Dwrite(ds, col.type.mem_type, mspace.get(), fspace.get(), H5P_DEFAULT,
                              col.data(pending)),
                     what, where);
  }
  flushed_rows += pending_rows;
  pending_rows = 0;
}

DatasetWriter::DatasetWriter(std::filesystem::path path, FeatureSpec spec, json provenance,
                             WriterOptions options) {
  spec.validate();
  if (options.compression_level < 0 || options.compression_level > 9) {
    throw Error(ErrorKind::Usage,
                "compression level " + std::to_string(options.compression_level) +
                    " is out of range",
                path.string(), "use 0 (no compression) to 9 (smallest file)");
  }
  if (options.chunk_rows < 0) {
    throw Error(ErrorKind::Usage, "chunk_rows must be positive, or 0 for automatic",
                path.string());
  }
  if (!provenance.is_object()) {
    throw Error(ErrorKind::Data, "provenance must be a JSON object", path.string(),
                "pass e.g. {\"source\": \"retailsim\", \"seed\": 7, \"config\": {...}}");
  }
  if (!provenance.contains("created")) provenance["created"] = utc_now_iso8601();
  if (!provenance.contains("storefuse_version")) provenance["storefuse_version"] = STOREFUSE_VERSION;
  if (options.chunk_rows == 0) options.chunk_rows = auto_chunk_rows(spec);

  impl_ = std::make_unique<Impl>(std::move(path), std::move(spec), options);
  impl_->columns = layout::columns(impl_->spec, options.has_targets);
  impl_->pending = Batch::allocate(impl_->spec, options.chunk_rows, options.has_targets);
  impl_->create(provenance);
}

DatasetWriter::~DatasetWriter() = default;

void DatasetWriter::append(const Batch& rows) {
  Impl& d = *impl_;
  if (d.closed) {
    throw Error(ErrorKind::Runtime, "append() after close()", d.where,
                "open a new DatasetWriter to write another file");
  }
  check_batch(rows, d.spec, d.options.has_targets);
  int64_t done = 0;
  while (done < rows.rows) {
    int64_t n = std::min(rows.rows - done, d.options.chunk_rows - d.pending_rows);
    copy_rows(rows, done, d.pending, d.pending_rows, n);
    d.pending_rows += n;
    done += n;
    if (d.pending_rows == d.options.chunk_rows) d.flush();
  }
}

void DatasetWriter::close() {
  Impl& d = *impl_;
  if (d.closed) return;
  d.flush();
  d.datasets.clear();
  {
    h5::Hdf5Lock lock;
    h5::check_status(H5Fflush(d.h5file.get(), H5F_SCOPE_GLOBAL), "cannot flush HDF5 file", d.where);
  }
  d.h5file.reset();
  d.file.commit();
  d.closed = true;
}

int64_t DatasetWriter::rows_written() const { return impl_->flushed_rows + impl_->pending_rows; }
int64_t DatasetWriter::chunk_rows() const { return impl_->options.chunk_rows; }
const FeatureSpec& DatasetWriter::spec() const { return impl_->spec; }

}  // namespace storefuse::datasets
