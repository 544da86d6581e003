#include "onnx_reader.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string_view>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx_types.h"
#include "onnx_wire.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/infer/weights_digest.h"
#include "weight_storage.h"

namespace storefuse::infer {

namespace {

// The newest default-domain opset whose op semantics the kernels follow.
constexpr int kMaxOpset = 17;
constexpr int64_t kMaxIrVersion = 10;  // ONNX 1.16

Error unsupported_type(int64_t code, const std::string& what, const std::string& where) {
  return Error(ErrorKind::Unsupported, what + " has element type " + onnx_type_name(code), where,
               "supported types: float32, float16, int64, int32, int8, uint8, bool");
}

// External data must stay inside the model's folder.
std::string external_path(const std::string& base_dir, const std::string& location, const std::string& where) {
  if (location.empty() || location[0] == '/' || location.find("..") != std::string::npos)
    throw Error(ErrorKind::Model, "external data location '" + location + "' leaves the model's folder", where,
                "keep external weight files beside the .onnx file");
  return base_dir + "/" + location;
}

std::string read_external(const onnx::TensorProto& t, const std::string& base_dir, const std::string& where) {
  std::string location;
  int64_t offset = 0, length = -1;
  auto number = [&](const std::string& key, const std::string& text) {
    size_t used = 0;
    int64_t v = -1;
    try {
      v = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size() || v < 0)
      throw Error(ErrorKind::Model, "external data " + key + " '" + text + "' is not a byte count", where);
    return v;
  };
  for (const auto& entry : t.external_data()) {
    if (entry.key() == "location") location = entry.value();
    if (entry.key() == "offset") offset = number("offset", entry.value());
    if (entry.key() == "length") length = number("length", entry.value());
  }
  std::string path = external_path(base_dir, location, where);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot open external data file " + path, where);
  in.seekg(0, std::ios::end);
  const int64_t size = in.tellg();
  if (length < 0) length = size - offset;
  if (offset < 0 || offset + length > size)
    throw Error(ErrorKind::Model, "external data range is outside " + path, where);
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  return bytes;
}

template <class To, class Field>
void copy_field(const Field& field, Tensor& t, const std::string& where) {
  if (field.size() != t.numel())
    throw Error(ErrorKind::Model, "tensor holds " + std::to_string(field.size()) + " values for shape " +
                                      to_string(t.shape()), where);
  auto* out = static_cast<To*>(t.raw());
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<To>(field.Get(i));
}

// Values the proto holds in its typed field for `dtype`.
int64_t field_count(const onnx::TensorProto& proto, DType dtype) {
  switch (dtype) {
    case DType::Float32: return proto.float_data_size();
    case DType::Int64: return proto.int64_data_size();
    default: return proto.int32_data_size();
  }
}

Tensor to_tensor(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& where) {
  auto dtype = dtype_from_onnx(proto.data_type());
  if (!dtype) throw unsupported_type(proto.data_type(), "tensor '" + proto.name() + "'", where);
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape) {
    if (d < 0) throw Error(ErrorKind::Model, "tensor '" + proto.name() + "' has a negative dimension", where);
  }
  // Sizes are checked against the data before allocating: a corrupted shape
  // must not allocate what the file does not hold.
  const int64_t count = numel(shape);
  const bool external = proto.data_location() == onnx::TensorProto::EXTERNAL;
  if (external || proto.has_raw_data()) {
    const std::string external_bytes = external ? read_external(proto, base_dir, where) : std::string();
    const std::string& bytes = external ? external_bytes : proto.raw_data();
    const int64_t size = static_cast<int64_t>(dtype_size(*dtype));
    if (count > static_cast<int64_t>(bytes.size()) / size || static_cast<int64_t>(bytes.size()) != count * size)
      throw Error(ErrorKind::Model, "tensor '" + proto.name() + "' holds " + std::to_string(bytes.size()) +
                                        " bytes, its shape " + to_string(shape) + " needs " +
                                        (count > static_cast<int64_t>(bytes.size()) / size
                                             ? std::string("more")
                                             : std::to_string(count * size)), where);
    Tensor t(*dtype, shape);
    if (!bytes.empty()) std::memcpy(t.raw(), bytes.data(), bytes.size());
    return t;
  }
  if (field_count(proto, *dtype) != count)
    throw Error(ErrorKind::Model, "tensor '" + proto.name() + "' holds " + std::to_string(field_count(proto, *dtype)) +
                                      " values for shape " + to_string(shape), where);
  Tensor t(*dtype, shape);
  switch (*dtype) {
    case DType::Float32: copy_field<float>(proto.float_data(), t, where); break;
    case DType::Int64: copy_field<int64_t>(proto.int64_data(), t, where); break;
    case DType::Int32: copy_field<int32_t>(proto.int32_data(), t, where); break;
    case DType::UInt8: copy_field<uint8_t>(proto.int32_data(), t, where); break;
    case DType::Int8: copy_field<int8_t>(proto.int32_data(), t, where); break;
    case DType::Bool: copy_field<bool>(proto.int32_data(), t, where); break;
    case DType::Float16: copy_field<uint16_t>(proto.int32_data(), t, where); break;
  }
  return t;
}

// Payloads smaller than this stay in the bytes protobuf parses.
constexpr size_t kCutPayloadBytes = 64 << 10;

// The same for an initializer the reader owns: inline raw bytes become the
// tensor's storage without a copy (the weights are most of a model's bytes).
// A payload cut out before parsing (onnx_wire.h) is copied once, straight
// into weight storage; `cut` points at it in the serialized model.
Tensor take_tensor(onnx::TensorProto& proto, const std::string& base_dir, const std::string& where,
                   std::optional<std::string_view> cut = std::nullopt, WeightBlock* block = nullptr) {
  auto fallback = [&] {  // the general path, which also reports what is wrong
    if (cut) proto.set_raw_data(cut->data(), cut->size());
    return to_tensor(proto, base_dir, where);
  };
  auto dtype = dtype_from_onnx(proto.data_type());
  const bool raw = cut || (proto.has_raw_data() && !proto.raw_data().empty());
  if (!dtype || proto.data_location() == onnx::TensorProto::EXTERNAL || !raw) return fallback();
  Shape shape(proto.dims().begin(), proto.dims().end());
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > (int64_t{1} << 40) / d)) return fallback();
    count *= d;
  }
  const size_t bytes = static_cast<size_t>(count) * dtype_size(*dtype);
  if (cut) {
    if (cut->size() != bytes) return fallback();
    std::shared_ptr<void> storage;
    try {
      if (block) storage = block->take(bytes);
      if (!storage) storage = allocate_weight_storage(bytes);
    } catch (const std::bad_alloc&) {
      throw Error(ErrorKind::Runtime, "out of memory allocating " + std::to_string(bytes) + " bytes", where);
    }
    std::memcpy(storage.get(), cut->data(), bytes);
    return Tensor(*dtype, std::move(shape), std::move(storage));
  }
  if (proto.raw_data().size() != bytes || reinterpret_cast<uintptr_t>(proto.raw_data().data()) % dtype_size(*dtype) != 0)
    return fallback();
  std::shared_ptr<std::string> owned(proto.release_raw_data());
  void* data = owned->data();
  return Tensor(*dtype, std::move(shape), std::shared_ptr<void>(std::move(owned), data));
}

ValueInfo to_value_info(const onnx::ValueInfoProto& proto, const std::string& where) {
  if (!proto.type().has_tensor_type())
    throw Error(ErrorKind::Unsupported, "graph value '" + proto.name() + "' is not a tensor", where,
                "sequence, map and optional values are not supported");
  const auto& tensor = proto.type().tensor_type();
  auto dtype = dtype_from_onnx(tensor.elem_type());
  if (!dtype) throw unsupported_type(tensor.elem_type(), "graph value '" + proto.name() + "'", where);
  ValueInfo info;
  info.name = proto.name();
  info.dtype = *dtype;
  for (const auto& dim : tensor.shape().dim()) {
    info.shape.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    info.dim_names.push_back(dim.has_dim_param() ? dim.dim_param() : "");
  }
  return info;
}

Attribute to_attribute(const onnx::AttributeProto& proto, const Node& node, const std::string& base_dir) {
  Attribute a;
  using P = onnx::AttributeProto;
  switch (proto.type()) {
    case P::FLOAT: a.kind = Attribute::Kind::Float; a.f = proto.f(); break;
    case P::INT: a.kind = Attribute::Kind::Int; a.i = proto.i(); break;
    case P::STRING: a.kind = Attribute::Kind::String; a.s = proto.s(); break;
    case P::TENSOR: a.kind = Attribute::Kind::Tensor; a.t = to_tensor(proto.t(), base_dir, node.where()); break;
    case P::FLOATS:
      a.kind = Attribute::Kind::Floats;
      a.floats.assign(proto.floats().begin(), proto.floats().end());
      break;
    case P::INTS:
      a.kind = Attribute::Kind::Ints;
      a.ints.assign(proto.ints().begin(), proto.ints().end());
      break;
    case P::STRINGS:
      a.kind = Attribute::Kind::Strings;
      a.strings.assign(proto.strings().begin(), proto.strings().end());
      break;
    default:
      throw node.error(ErrorKind::Unsupported, "attribute '" + proto.name() + "' has type " +
                                                   P::AttributeType_Name(proto.type()),
                       "graph, sparse-tensor and type attributes are not supported");
  }
  return a;
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

}  // namespace

GraphDef read_onnx(const std::string& bytes, const std::string& base_dir, const std::string& source,
                   bool with_digest) {
  return read_onnx(bytes.data(), bytes.size(), base_dir, source, with_digest);
}

GraphDef read_onnx_file(const std::string& path, const std::string& base_dir, bool with_digest) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::Io, "cannot open " + path, path, "check the path and its permissions");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorKind::Io, "cannot read " + path, path, "check that it is a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return read_onnx(nullptr, 0, base_dir, path, with_digest);
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) return read_onnx(read_file(path), base_dir, path, with_digest);
  std::unique_ptr<void, std::function<void(void*)>> mapping(data, [size](void* p) { ::munmap(p, size); });
  return read_onnx(data, size, base_dir, path, with_digest);
}

GraphDef read_onnx(const void* data, size_t size, const std::string& base_dir, const std::string& source,
                   bool with_digest) {
  if (size == 0) {
    throw Error(ErrorKind::Model, "the model file is empty (0 bytes)", source,
                "the export or the copy was cut short: export or copy it again");
  }
  onnx::ModelProto model;
  const std::optional<StrippedModel> stripped = strip_payloads(data, size, kCutPayloadBytes);
  const void* parsed = stripped ? stripped->bytes.data() : data;
  const size_t parsed_size = stripped ? stripped->bytes.size() : size;
  const bool fits = parsed_size <= static_cast<size_t>(std::numeric_limits<int>::max());
  if (!fits || !model.ParseFromArray(parsed, static_cast<int>(parsed_size)))
    throw Error(ErrorKind::Model, "not a valid ONNX protobuf", source, "check that the file is an .onnx model");
  GraphDef g;
  g.ir_version = model.ir_version();
  if (g.ir_version > kMaxIrVersion)
    throw Error(ErrorKind::Unsupported, "IR version " + std::to_string(g.ir_version) + " is newer than this runtime (<= " +
                                            std::to_string(kMaxIrVersion) + ")", source,
                "export with an older ONNX (onnx.save of a model with ir_version <= " + std::to_string(kMaxIrVersion) + ")");
  g.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  for (const auto& opset : model.opset_import()) {
    if (is_default_domain(opset.domain())) g.opset = static_cast<int>(opset.version());
  }
  if (g.opset == 0)
    throw Error(ErrorKind::Model, "the model imports no default-domain opset", source,
                "re-export the model; every exporter writes opset_import");
  if (g.opset > kMaxOpset)
    throw Error(ErrorKind::Unsupported, "opset " + std::to_string(g.opset) + " is newer than this runtime (<= " +
                                            std::to_string(kMaxOpset) + ")", source,
                "export with opset_version=" + std::to_string(kMaxOpset));
  for (const auto& entry : model.metadata_props()) g.metadata[entry.key()] = entry.value();
  if (with_digest && g.metadata.count(metadata::kWeightsDigest)) {
    g.graph_digest = graph_digest(data, size).value_or("none: the file holds no single graph field");
  }

  onnx::GraphProto& graph = *model.mutable_graph();
  // Every cut payload in one block of weight storage (weight_storage.h).
  size_t cut_bytes = 0;
  if (stripped) {
    for (const auto& [index, p] : stripped->cut) cut_bytes += WeightBlock::footprint(p.size);
  }
  std::optional<WeightBlock> block;
  try {
    block.emplace(cut_bytes);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::Runtime, "out of memory allocating " + std::to_string(cut_bytes) + " bytes of weights",
                source);
  }
  for (int i = 0; i < graph.initializer_size(); ++i) {
    onnx::TensorProto& init = *graph.mutable_initializer(i);
    const std::string where = source + ": initializer '" + init.name() + "'";
    std::optional<std::string_view> cut;
    if (stripped && stripped->cut.count(i)) {
      const WirePayload& p = stripped->cut.at(i);
      cut = std::string_view(static_cast<const char*>(data) + p.offset, p.size);
    }
    g.initializers.emplace(init.name(), take_tensor(init, base_dir, where, cut, &*block));
  }
  if (graph.sparse_initializer_size() > 0)
    throw Error(ErrorKind::Unsupported, "sparse initializers are not supported", source);
  for (const auto& input : graph.input()) {
    // IR < 4 lists initializers as inputs too; they stay constants here.
    if (!g.initializers.count(input.name())) g.inputs.push_back(to_value_info(input, source));
  }
  for (const auto& output : graph.output()) g.outputs.push_back(to_value_info(output, source));
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& proto = graph.node(i);
    Node node;
    node.name = proto.name().empty() ? proto.op_type() + "_" + std::to_string(i) : proto.name();
    node.op_type = proto.op_type();
    node.domain = is_default_domain(proto.domain()) ? "" : proto.domain();
    node.opset = g.opset;
    node.inputs.assign(proto.input().begin(), proto.input().end());
    node.outputs.assign(proto.output().begin(), proto.output().end());
    for (const auto& attr : proto.attribute()) node.attributes[attr.name()] = to_attribute(attr, node, base_dir);
    g.nodes.push_back(std::move(node));
  }
  return g;
}

Tensor read_tensor_pb(const std::string& bytes, const std::string& source) {
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) throw Error(ErrorKind::Data, "not a serialized TensorProto", source);
  return to_tensor(proto, ".", source);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(ErrorKind::Io, "cannot open " + path, path, "check the path and its permissions");
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(ErrorKind::Io, "cannot read " + path, path, "check that it is a regular file");
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) throw Error(ErrorKind::Io, "cannot read " + path, path);
  return bytes;
}

}  // namespace storefuse::infer
