#include "onnx_wire.h"

namespace storefuse::infer {

namespace {

constexpr uint32_t kModelGraph = 7, kGraphInitializer = 5, kTensorRawData = 9;
constexpr uint32_t kLengthDelimited = 2;

struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  const uint8_t* begin = nullptr;  // the key
  const uint8_t* body = nullptr;   // a length-delimited field's contents
  const uint8_t* end = nullptr;    // past the field
};

bool read_varint(const uint8_t*& p, const uint8_t* end, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const uint8_t byte = *p++;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// The next field of [p, end), or false when the bytes are not one this
// reader follows.
bool next_field(const uint8_t*& p, const uint8_t* end, Field& f) {
  f.begin = p;
  uint64_t key = 0, length = 0;
  if (!read_varint(p, end, key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) return false;
  f.number = static_cast<uint32_t>(key >> 3);
  f.wire_type = static_cast<uint32_t>(key & 7);
  switch (f.wire_type) {
    case 0: if (!read_varint(p, end, length)) return false; break;
    case 1: if (end - p < 8) return false; p += 8; break;
    case kLengthDelimited:
      if (!read_varint(p, end, length) || length > static_cast<uint64_t>(end - p)) return false;
      f.body = p;
      p += length;
      break;
    case 5: if (end - p < 4) return false; p += 4; break;
    default: return false;  // groups (3, 4) and invalid types
  }
  f.end = p;
  return true;
}

void write_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void append(std::string& out, const uint8_t* begin, const uint8_t* end) {
  out.append(reinterpret_cast<const char*>(begin), static_cast<size_t>(end - begin));
}

// A length-delimited field with new contents: its key as written, then the
// new length.
void append_message(std::string& out, const Field& f, const std::string& contents) {
  const uint8_t* p = f.begin;
  uint64_t key = 0;
  read_varint(p, f.end, key);
  append(out, f.begin, p);
  write_varint(out, contents.size());
  out += contents;
}

struct Stripper {
  const uint8_t* start;
  size_t min_bytes;
  int initializer = 0;  // index of the next one, across repeated graph fields
  StrippedModel result;

  bool tensor(const uint8_t* p, const uint8_t* end, std::string& out) {
    int raw_fields = 0;
    for (Field f; p < end;) {
      if (!next_field(p, end, f)) return false;
      if (f.number == kTensorRawData && ++raw_fields > 1) return false;  // the last would win
      if (f.number == kTensorRawData && f.wire_type == kLengthDelimited &&
          static_cast<size_t>(f.end - f.body) >= min_bytes) {
        result.cut[initializer] = {static_cast<size_t>(f.body - start), static_cast<size_t>(f.end - f.body)};
      } else {
        append(out, f.begin, f.end);
      }
    }
    ++initializer;
    return true;
  }

  bool graph(const uint8_t* p, const uint8_t* end, std::string& out) {
    for (Field f; p < end;) {
      if (!next_field(p, end, f)) return false;
      if (f.number == kGraphInitializer && f.wire_type == kLengthDelimited) {
        std::string contents;
        if (!tensor(f.body, f.end, contents)) return false;
        append_message(out, f, contents);
      } else {
        append(out, f.begin, f.end);
      }
    }
    return true;
  }

  bool model(const uint8_t* p, const uint8_t* end) {
    for (Field f; p < end;) {
      if (!next_field(p, end, f)) return false;
      if (f.number == kModelGraph && f.wire_type == kLengthDelimited) {
        std::string contents;
        if (!graph(f.body, f.end, contents)) return false;
        append_message(result.bytes, f, contents);
      } else {
        append(result.bytes, f.begin, f.end);
      }
    }
    return true;
  }
};

}  // namespace

std::optional<StrippedModel> strip_payloads(const void* data, size_t size, size_t min_bytes) {
  const auto* start = static_cast<const uint8_t*>(data);
  Stripper s{start, min_bytes == 0 ? 1 : min_bytes, 0, {}};
  if (!s.model(start, start + size) || s.result.cut.empty()) return std::nullopt;
  return std::move(s.result);
}

std::optional<WirePayload> graph_field(const void* data, size_t size) {
  const auto* start = static_cast<const uint8_t*>(data);
  const uint8_t* p = start;
  std::optional<WirePayload> graph;
  for (Field f; p < start + size;) {
    if (!next_field(p, start + size, f)) return std::nullopt;
    if (f.number != kModelGraph) continue;
    if (graph || f.wire_type != kLengthDelimited) return std::nullopt;
    graph = WirePayload{static_cast<size_t>(f.body - start), static_cast<size_t>(f.end - f.body)};
  }
  return graph;
}

}  // namespace storefuse::infer
