#include "storefuse/datasets/dataset_reader.h"


#include <set>

#include "hdf5_util.h"
#include "layout.h"
#include "storefuse/core/error.h"
#include "storefuse/core/warn.h"
#include "storefuse/datasets/dataset_format.h"
#include "value_check.h"

namespace fs = std::filesystem;

namespace storefuse::datasets {
namespace {

constexpr int64_t kUnchunkedBlockRows = 256;

const char* const kRegenerateFix =
    "the file does not follow the storefuse dataset layout (docs/dataset-format.md); "
    "regenerate it with 'storefuse datagen' or 'storefuse ingest'";

[[noreturn]] void bad_file(const std::string& what, const std::string& where,
                           const std::string& fix = kRegenerateFix) {
  throw Error(ErrorKind::Data, what, where, fix);
}

std::string dims_to_string(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

bool link_exists(hid_t file, const std::string& path) {
  // H5Lexists fails rather than returning false when a parent group is missing.
  size_t slash = path.find('/');
  if (slash != std::string::npos && H5Lexists(file, path.substr(0, slash).c_str(), H5P_DEFAULT) <= 0) {
    return false;
  }
  return H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0;
}

// A dataset must store the rows it declares. storefuse's writer writes every
// chunk; a chunk never written (or contiguous storage never allocated) is a
// file that declares more rows than it holds: HDF5 would hand out fill values
// for them, and reading, validating or training would take time and memory in
// proportion to the declared size rather than the file's.
void check_stored(hid_t ds, hid_t type, const std::vector<hsize_t>& dims, const std::string& path,
                  const std::string& where) {
  if (dims.empty() || dims[0] == 0) return;
  h5::Handle dcpl(H5Dget_create_plist(ds), H5Pclose);
  const std::string declared = "dataset '" + path + "' declares " + std::to_string(dims[0]) + " rows";
  const char* fix = "the file was not completely written, or was edited to claim more rows than it has; "
                    "regenerate it with 'storefuse datagen' or 'storefuse ingest'";
  if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
    std::vector<hsize_t> chunk(dims.size());
    H5Pget_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    hsize_t expected = 1;
    for (size_t i = 0; i < dims.size(); ++i) expected *= chunk[i] ? (dims[i] + chunk[i] - 1) / chunk[i] : 1;
    hsize_t stored = 0;
    h5::Handle space(H5Dget_space(ds), H5Sclose);  // (HDF5 1.10 refuses H5S_ALL here)
    if (H5Dget_num_chunks(ds, space.get(), &stored) < 0 || stored < expected) {
      bad_file(declared + " but stores only " + std::to_string(stored) + " of the " + std::to_string(expected) +
                   " chunks that hold them",
               where, fix);
    }
    return;
  }
  hsize_t bytes = H5Tget_size(type);
  for (hsize_t d : dims) bytes *= d;
  const hsize_t stored = H5Dget_storage_size(ds);
  if (H5Pget_layout(dcpl.get()) == H5D_CONTIGUOUS && stored < bytes) {
    bad_file(declared + " (" + std::to_string(bytes) + " bytes) but stores " + std::to_string(stored) + " bytes",
             where, fix);
  }
}

}  // namespace

struct DatasetReader::Impl {
  fs::path path;
  std::string where;
  FeatureSpec spec;
  json provenance;
  bool has_targets = true;
  int64_t num_rows = 0;
  StorageInfo storage;
  std::vector<layout::Column> columns;
  std::vector<h5::Handle> datasets;  // parallel to columns
  h5::Handle file;
  std::vector<int64_t> skipped;

  void open_file();
  void read_attributes();
  void open_columns();
  void read_storage_info();
};

void DatasetReader::Impl::open_file() {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw Error(ErrorKind::Io, "dataset file does not exist or is not a regular file", where,
                "check the path");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    h5::error_detail();  // clear the stack
    bad_file("not an HDF5 file", where,
             "pass a dataset written by storefuse (an .h5 file); if it is one, it is damaged: "
             "regenerate or re-copy it");
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    const std::string detail = h5::error_detail();
    // HDF5's file lock: a writer (datagen, ingest, h5py in "r+"/"w") has the
    // file open. The file itself may be fine.
    if (detail.find("unable to lock file") != std::string::npos) {
      throw Error(ErrorKind::Io, "the HDF5 file is locked: another process has it open for writing (" + detail + ")",
                  where,
                  "wait for the writer (a datagen, ingest or h5py session still running?) to close it; "
                  "HDF5_USE_FILE_LOCKING=FALSE skips the lock, safe only when nothing writes to the file");
    }
    bad_file("cannot open HDF5 file, it is truncated or corrupt (" + detail + ")",
             where, "the file is incomplete, e.g. an interrupted copy or write: re-copy or regenerate it");
  }
  file = h5::Handle(id, H5Fclose);
}

void DatasetReader::Impl::read_attributes() {
  hid_t root = file.get();
  auto format = h5::read_string_attr(root, kAttrFormat, where);
  if (!format || *format != kFormatName) {
    bad_file(format ? "root attribute 'format' is '" + *format + "', not '" + kFormatName + "'"
                    : std::string("not a storefuse dataset: root attribute 'format' is missing"),
             where);
  }
  auto version = h5::read_int_attr(root, kAttrFormatVersion, where);
  if (!version) bad_file("root attribute 'format_version' is missing", where);
  if (*version > kFormatVersion) {
    bad_file("dataset format version " + std::to_string(*version) +
                 " is newer than this build reads (version " + std::to_string(kFormatVersion) + ")",
             where, "upgrade storefuse, or regenerate the file with this version");
  }
  if (*version < 1) bad_file("invalid format_version " + std::to_string(*version), where);

  auto spec_text = h5::read_string_attr(root, kAttrFeatureSpec, where);
  if (!spec_text) bad_file("root attribute 'feature_spec' is missing", where);
  try {
    spec = FeatureSpec::from_json_string(*spec_text);
  } catch (const Error& e) {
    bad_file(e.problem() + " (at " + e.where() + ")", where, e.fix());
  }
  auto class_names = h5::read_string_list_attr(root, kAttrClassNames, where);
  if (!class_names || *class_names != spec.class_names) {
    bad_file("root attribute 'class_names' is missing or differs from feature_spec.class_names",
             where);
  }
  auto prov = h5::read_string_attr(root, kAttrProvenance, where);
  if (!prov) bad_file("root attribute 'provenance' is missing", where);
  provenance = json::parse(*prov, nullptr, /*allow_exceptions=*/false);
  if (!provenance.is_object()) bad_file("root attribute 'provenance' is not a JSON object", where);
  auto labeled = h5::read_int_attr(root, kAttrHasTargets, where);
  if (!labeled || (*labeled != 0 && *labeled != 1)) {
    bad_file("root attribute 'has_targets' is missing or not 0/1", where);
  }
  has_targets = *labeled == 1;
}

void DatasetReader::Impl::open_columns() {
  columns = layout::columns(spec, has_targets);
  for (const auto& col : columns) {
    if (!link_exists(file.get(), col.path)) {
      bad_file("dataset '" + col.path + "' is missing", where);
    }
    h5::Handle ds(h5::check_id(H5Dopen2(file.get(), col.path.c_str(), H5P_DEFAULT),
                               "cannot open dataset '" + col.path + "'", where),
                  H5Dclose);
    h5::Handle type(H5Dget_type(ds.get()), H5Tclose);
    H5T_class_t cls = H5Tget_class(type.get());
    bool sign_ok = cls != H5T_INTEGER ||
                   (H5Tget_sign(type.get()) == H5T_SGN_2) == col.type.is_signed;
    if (cls != col.type.cls || H5Tget_size(type.get()) != col.type.size || !sign_ok) {
      bad_file("dataset '" + col.path + "' has the wrong dtype: expected " + col.type.name +
                   (static_cast<int>(col.id) < kNumModalities ? " as the feature spec says"
                                                              : " as the format says"),
               where);
    }
    h5::Handle space(H5Dget_space(ds.get()), H5Sclose);
    int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> dims(rank > 0 ? rank : 0);
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    std::vector<hsize_t> want = {dims.empty() ? 0 : dims[0]};
    for (int64_t d : col.sample_shape) want.push_back(static_cast<hsize_t>(d));
    if (dims != want) {
      std::string expected = "[N";
      for (int64_t d : col.sample_shape) expected += ", " + std::to_string(d);
      bad_file("dataset '" + col.path + "' has shape " + dims_to_string(dims) + ", expected " +
                   expected + "]",
               where);
    }
    int64_t n = static_cast<int64_t>(dims[0]);
    check_stored(ds.get(), type.get(), dims, col.path, where);
    if (datasets.empty()) {
      num_rows = n;
    } else if (n != num_rows) {
      bad_file("dataset '" + col.path + "' has " + std::to_string(n) + " rows but '" +
                   columns[0].path + "' has " + std::to_string(num_rows) +
                   "; every dataset needs the same N",
               where);
    }
    datasets.push_back(std::move(ds));
  }
}

void DatasetReader::Impl::read_storage_info() {
  std::error_code ec;
  storage.file_bytes = static_cast<int64_t>(fs::file_size(path, ec));
  h5::Handle dcpl(H5Dget_create_plist(datasets[0].get()), H5Pclose);
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return;
  std::vector<hsize_t> chunk(1 + columns[0].sample_shape.size());
  H5Pget_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  storage.chunk_rows = static_cast<int64_t>(chunk[0]);
  int nfilters = H5Pget_nfilters(dcpl.get());
  for (int i = 0; i < nfilters; ++i) {
    unsigned flags = 0, cd_values[8];
    size_t cd_count = 8;
    H5Z_filter_t f = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &cd_count,
                                    cd_values, 0, nullptr, nullptr);
    if (f == H5Z_FILTER_SHUFFLE) storage.shuffle = true;
    if (f == H5Z_FILTER_DEFLATE && cd_count > 0) storage.compression_level = static_cast<int>(cd_values[0]);
  }
}

DatasetReader::DatasetReader() : impl_(std::make_unique<Impl>()) {}
DatasetReader::~DatasetReader() = default;

std::shared_ptr<DatasetReader> DatasetReader::open(const fs::path& path, ReadOptions options) {
  std::shared_ptr<DatasetReader> reader(new DatasetReader());
  Impl& d = *reader->impl_;
  d.path = path;
  d.where = path.string();
  {
    h5::Hdf5Lock lock;
    d.open_file();
    d.read_attributes();
    d.open_columns();
    d.read_storage_info();
  }
  ValueReport report = check_values(*reader);
  if (!report.nonfinite_rows.empty()) {
    if (options.nan_policy == NanPolicy::Error) {
      bad_file("dataset '" + report.first_nonfinite_column + "' has NaN or Inf in row " +
                   std::to_string(report.nonfinite_rows.front()) + " (first bad row; " +
                   std::to_string(report.nonfinite_rows.size()) + " bad rows in all)",
               d.where,
               "fix the feature extraction that produced it, or skip such rows: the config key "
               "data.nan_policy: skip (train, eval: --set data.nan_policy=skip), "
               "storefuse dataset validate --nan-policy skip, ReadOptions::nan_policy = NanPolicy::Skip");
    }
    warn(d.where + ": skipping " + std::to_string(report.nonfinite_rows.size()) +
         " rows with NaN or Inf (first: row " + std::to_string(report.nonfinite_rows.front()) + " in '" +
         report.first_nonfinite_column + "')");
    d.skipped = std::move(report.nonfinite_rows);
  }
  return reader;
}

const fs::path& DatasetReader::path() const { return impl_->path; }
const FeatureSpec& DatasetReader::spec() const { return impl_->spec; }
const json& DatasetReader::provenance() const { return impl_->provenance; }
bool DatasetReader::has_targets() const { return impl_->has_targets; }
int64_t DatasetReader::num_rows() const { return impl_->num_rows; }
StorageInfo DatasetReader::storage() const { return impl_->storage; }
int64_t DatasetReader::block_rows() const {
  return impl_->storage.chunk_rows > 0 ? impl_->storage.chunk_rows : kUnchunkedBlockRows;
}
const std::vector<int64_t>& DatasetReader::skipped_rows() const { return impl_->skipped; }

Batch DatasetReader::read(int64_t begin, int64_t end) const {
  const Impl& d = *impl_;
  if (begin < 0 || end < begin || end > d.num_rows) {
    throw Error(ErrorKind::Runtime,
                "row range [" + std::to_string(begin) + ", " + std::to_string(end) +
                    ") is outside the dataset's " + std::to_string(d.num_rows) + " rows",
                d.where);
  }
  Batch out = Batch::allocate(d.spec, end - begin, d.has_targets);
  if (end == begin) return out;
  h5::Hdf5Lock lock;
  for (size_t i = 0; i < d.columns.size(); ++i) {
    const auto& col = d.columns[i];
    std::vector<hsize_t> start = {static_cast<hsize_t>(begin)};
    std::vector<hsize_t> count = {static_cast<hsize_t>(end - begin)};
    for (int64_t dim : col.sample_shape) {
      start.push_back(0);
      count.push_back(static_cast<hsize_t>(dim));
    }
    h5::Handle fspace(H5Dget_space(d.datasets[i].get()), H5Sclose);
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    h5::Handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                      H5Sclose);
    h5::check_status(H5Dread(d.datasets[i].get(), col.type.mem_type, mspace.get(), fspace.get(),
                             H5P_DEFAULT, col.data(out)),
                     "cannot read rows " + std::to_string(begin) + ".." + std::to_string(end) +
                         " of '" + col.path + "'",
                     d.where);
  }
  return out;
}

std::vector<int64_t> DatasetReader::read_ids(const std::string& column) const {
  static const std::set<std::string> kIdColumns = {"sample_id", "customer_id", "store_id",
                                                   "camera_id"};
  if (!kIdColumns.count(column)) {
    throw Error(ErrorKind::Usage, "unknown id column '" + column + "'", impl_->where,
                "use one of sample_id, customer_id, store_id, camera_id");
  }
  const Impl& d = *impl_;
  std::vector<int64_t> out(static_cast<size_t>(d.num_rows));
  if (out.empty()) return out;
  h5::Hdf5Lock lock;
  for (size_t i = 0; i < d.columns.size(); ++i) {
    if (d.columns[i].path != "ids/" + column) continue;
    h5::check_status(H5Dread(d.datasets[i].get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                             out.data()),
                     "cannot read 'ids/" + column + "'", d.where);
  }
  return out;
}

}  // namespace storefuse::datasets
