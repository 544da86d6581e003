#include "storefuse/datasets/batch.h"

#include <cstring>

#include "storefuse/core/error.h"

namespace storefuse::datasets {
namespace {

template <class T>
void copy_column(const std::vector<T>& src, int64_t src_row, std::vector<T>& dst,
                 int64_t dst_row, int64_t n, int64_t width = 1) {
  std::memcpy(dst.data() + dst_row * width, src.data() + src_row * width,
              static_cast<size_t>(n * width) * sizeof(T));
}

template <class T>
int64_t vector_bytes(const std::vector<T>& v) {
  return static_cast<int64_t>(v.size() * sizeof(T));
}

[[noreturn]] void bad_column(const std::string& column, const std::string& what) {
  throw Error(ErrorKind::Data, "batch column '" + column + "' " + what, column,
              "build batches with Batch::allocate(spec, rows, has_targets)");
}

template <class T>
void check_length(const std::vector<T>& v, int64_t want, const char* column) {
  if (static_cast<int64_t>(v.size()) != want) {
    bad_column(column, "has " + std::to_string(v.size()) + " values, expected " +
                           std::to_string(want));
  }
}

}  // namespace

int64_t Array::row_bytes() const {
  int64_t n = dtype_size(dtype);
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

void throw_dtype_mismatch(DType have, DType want) {
  throw Error(ErrorKind::Runtime,
              std::string("array holds ") + to_string(have) + ", not " + to_string(want), "",
              "read it with the dtype the feature spec gives");
}

Batch Batch::allocate(const FeatureSpec& spec, int64_t rows, bool has_targets) {
  Batch b;
  b.rows = rows;
  for (Modality m : kModalities) {
    Array& a = b.input(m);
    a.dtype = spec[m].dtype;
    a.shape = {rows};
    a.shape.insert(a.shape.end(), spec[m].shape.begin(), spec[m].shape.end());
    a.bytes.resize(static_cast<size_t>(rows * spec[m].sample_bytes()));
  }
  b.mask.resize(static_cast<size_t>(rows * kNumModalities));
  b.has_targets = has_targets;
  if (has_targets) {
    b.behavior.resize(rows);
    b.dwell_s.resize(rows);
    b.engagement.resize(rows);
  }
  b.sample_id.resize(rows);
  b.customer_id.resize(rows);
  b.store_id.resize(rows);
  b.camera_id.resize(rows);
  b.timestamp.resize(rows);
  return b;
}

int64_t Batch::byte_size() const {
  int64_t n = 0;
  for (const Array& a : inputs) n += static_cast<int64_t>(a.bytes.size());
  return n + vector_bytes(mask) + vector_bytes(behavior) + vector_bytes(dwell_s) +
         vector_bytes(engagement) + vector_bytes(sample_id) + vector_bytes(customer_id) +
         vector_bytes(store_id) + vector_bytes(camera_id) + vector_bytes(timestamp);
}

void copy_rows(const Batch& src, int64_t src_row, Batch& dst, int64_t dst_row, int64_t n) {
  if (n == 0) return;
  if (src_row < 0 || dst_row < 0 || src_row + n > src.rows || dst_row + n > dst.rows) {
    throw Error(ErrorKind::Runtime,
                "copy_rows out of range: " + std::to_string(n) + " rows from " +
                    std::to_string(src_row) + " of " + std::to_string(src.rows) + " to " +
                    std::to_string(dst_row) + " of " + std::to_string(dst.rows));
  }
  if (src.has_targets != dst.has_targets) {
    throw Error(ErrorKind::Runtime, "copy_rows between a labeled and an unlabeled batch");
  }
  for (int i = 0; i < kNumModalities; ++i) {
    const Array& a = src.inputs[i];
    Array& b = dst.inputs[i];
    int64_t w = a.row_bytes();
    if (a.dtype != b.dtype || w != b.row_bytes()) {
      throw Error(ErrorKind::Runtime, std::string("copy_rows between batches of different "
                                                  "layouts in column ") +
                                          to_string(static_cast<Modality>(i)));
    }
    std::memcpy(b.bytes.data() + dst_row * w, a.bytes.data() + src_row * w,
                static_cast<size_t>(n * w));
  }
  copy_column(src.mask, src_row, dst.mask, dst_row, n, kNumModalities);
  if (src.has_targets) {
    copy_column(src.behavior, src_row, dst.behavior, dst_row, n);
    copy_column(src.dwell_s, src_row, dst.dwell_s, dst_row, n);
    copy_column(src.engagement, src_row, dst.engagement, dst_row, n);
  }
  copy_column(src.sample_id, src_row, dst.sample_id, dst_row, n);
  copy_column(src.customer_id, src_row, dst.customer_id, dst_row, n);
  copy_column(src.store_id, src_row, dst.store_id, dst_row, n);
  copy_column(src.camera_id, src_row, dst.camera_id, dst_row, n);
  copy_column(src.timestamp, src_row, dst.timestamp, dst_row, n);
}

void check_batch(const Batch& b, const FeatureSpec& spec, bool has_targets) {
  for (Modality m : kModalities) {
    const Array& a = b.input(m);
    std::string column = std::string("inputs/") + to_string(m);
    if (a.dtype != spec[m].dtype) {
      bad_column(column, std::string("has dtype ") + to_string(a.dtype) + ", the feature spec says " +
                             to_string(spec[m].dtype));
    }
    std::vector<int64_t> want = {b.rows};
    want.insert(want.end(), spec[m].shape.begin(), spec[m].shape.end());
    if (a.shape != want) bad_column(column, "has a shape other than [rows, ...spec shape]");
    if (static_cast<int64_t>(a.bytes.size()) != b.rows * spec[m].sample_bytes()) {
      bad_column(column, "has a buffer size that does not match its shape");
    }
  }
  check_length(b.mask, b.rows * kNumModalities, "mask");
  if (b.has_targets != has_targets) {
    bad_column("targets", has_targets ? "are missing but the dataset is labeled"
                                      : "are present but the dataset is unlabeled");
  }
  int64_t target_rows = has_targets ? b.rows : 0;
  check_length(b.behavior, target_rows, "targets/behavior");
  check_length(b.dwell_s, target_rows, "targets/dwell_s");
  check_length(b.engagement, target_rows, "targets/engagement");
  check_length(b.sample_id, b.rows, "ids/sample_id");
  check_length(b.customer_id, b.rows, "ids/customer_id");
  check_length(b.store_id, b.rows, "ids/store_id");
  check_length(b.camera_id, b.rows, "ids/camera_id");
  check_length(b.timestamp, b.rows, "ids/timestamp");
}

}  // namespace storefuse::datasets
