#include "layout.h"

namespace storefuse::datasets::layout {
namespace {

ElementType float32() { return {H5T_FLOAT, 4, true, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, "float32"}; }
ElementType float64() { return {H5T_FLOAT, 8, true, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "float64"}; }
ElementType uint8() { return {H5T_INTEGER, 1, false, H5T_STD_U8LE, H5T_NATIVE_UINT8, "uint8"}; }
ElementType int32() { return {H5T_INTEGER, 4, true, H5T_STD_I32LE, H5T_NATIVE_INT32, "int32"}; }
ElementType int64() { return {H5T_INTEGER, 8, true, H5T_STD_I64LE, H5T_NATIVE_INT64, "int64"}; }

ElementType of(DType t) {
  switch (t) {
    case DType::Float32: return float32();
    case DType::UInt8: return uint8();
    case DType::Int32: return int32();
  }
  return float32();
}

}  // namespace

int64_t Column::row_bytes() const {
  int64_t n = static_cast<int64_t>(type.size);
  for (int64_t d : sample_shape) n *= d;
  return n;
}

void* Column::data(Batch& b) const {
  switch (id) {
    case ColumnId::Visual: return b.input(Modality::Visual).data();
    case ColumnId::Audio: return b.input(Modality::Audio).data();
    case ColumnId::Text: return b.input(Modality::Text).data();
    case ColumnId::Sensor: return b.input(Modality::Sensor).data();
    case ColumnId::Mask: return b.mask.data();
    case ColumnId::Behavior: return b.behavior.data();
    case ColumnId::DwellS: return b.dwell_s.data();
    case ColumnId::Engagement: return b.engagement.data();
    case ColumnId::SampleId: return b.sample_id.data();
    case ColumnId::CustomerId: return b.customer_id.data();
    case ColumnId::StoreId: return b.store_id.data();
    case ColumnId::CameraId: return b.camera_id.data();
    case ColumnId::Timestamp: return b.timestamp.data();
  }
  return nullptr;
}

std::vector<Column> columns(const FeatureSpec& spec, bool has_targets) {
  std::vector<Column> cols;
  for (Modality m : kModalities) {
    cols.push_back({static_cast<ColumnId>(static_cast<int>(m)),
                    std::string("inputs/") + to_string(m), of(spec[m].dtype), spec[m].shape,
                    false});
  }
  cols.push_back({ColumnId::Mask, "mask", uint8(), {kNumModalities}, false});
  if (has_targets) {
    cols.push_back({ColumnId::Behavior, "targets/behavior", int64(), {}, true});
    cols.push_back({ColumnId::DwellS, "targets/dwell_s", float32(), {}, true});
    cols.push_back({ColumnId::Engagement, "targets/engagement", float32(), {}, true});
  }
  cols.push_back({ColumnId::SampleId, "ids/sample_id", int64(), {}, false});
  cols.push_back({ColumnId::CustomerId, "ids/customer_id", int64(), {}, false});
  cols.push_back({ColumnId::StoreId, "ids/store_id", int32(), {}, false});
  cols.push_back({ColumnId::CameraId, "ids/camera_id", int32(), {}, false});
  cols.push_back({ColumnId::Timestamp, "ids/timestamp", float64(), {}, false});
  return cols;
}

}  // namespace storefuse::datasets::layout
