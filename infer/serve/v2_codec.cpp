#include "v2_codec.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "storefuse/core/error.h"

namespace storefuse::infer::serve {

namespace {

[[noreturn]] void bad(const std::string& what, const std::string& fix = {}) {
  throw Error(ErrorKind::Data, what, "infer request", fix);
}

// A pull reader over one JSON text: the caller walks the structure it
// expects; what it does not know is skipped (depth-limited).
class Reader {
 public:
  Reader(std::string_view text, int max_depth) : p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  char peek() {
    ws();
    if (p_ == end_) bad("the JSON ends early");
    return *p_;
  }
  void expect(char c) {
    if (peek() != c) bad(std::string("bad JSON: expected '") + c + "' at byte " + std::to_string(offset()) + ", found '" +
                         std::string(1, *p_) + "'");
    ++p_;
  }
  bool take(char c) {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  void set_begin(const char* b) { begin_ = b; }
  bool at_end() {
    ws();
    return p_ == end_;
  }

  // Iterates an object: calls on_key(key) with the reader at the value.
  template <class F>
  void object(F&& on_key) {
    expect('{');
    if (take('}')) return;
    std::string key;
    do {
      string(key);
      expect(':');
      on_key(key);
    } while (take(','));
    expect('}');
  }
  template <class F>
  void array(F&& on_item) {
    expect('[');
    if (take(']')) return;
    do on_item();
    while (take(','));
    expect(']');
  }

  void string(std::string& out) {
    expect('"');
    out.clear();
    for (;;) {
      const char* start = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
      out.append(start, p_);
      if (p_ == end_) bad("bad JSON: a string does not end");
      const char c = *p_++;
      if (c == '"') return;
      if (c != '\\') bad("bad JSON: a control character in a string at byte " + std::to_string(offset()));
      if (p_ == end_) bad("bad JSON: a string does not end");
      const char e = *p_++;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': unicode(out); break;
        default: bad("bad JSON: unknown escape \\" + std::string(1, e));
      }
    }
  }

  // A scalar as text (string contents, number, true/false/null).
  std::string scalar_text() {
    const char c = peek();
    if (c == '"') {
      std::string s;
      string(s);
      return s;
    }
    if (c == '{' || c == '[') bad("a parameter's value must be a string, number or boolean");
    const char* start = p_;
    while (p_ < end_ && *p_ != ',' && *p_ != '}' && *p_ != ']' && *p_ != ' ' && *p_ != '\n' && *p_ != '\r' &&
           *p_ != '\t')
      ++p_;
    std::string text(start, p_);
    if (text != "true" && text != "false" && text != "null") {
      double v;
      auto [q, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || q != text.data() + text.size()) bad("bad JSON value '" + quote_value(text) + "'");
    }
    return text;
  }

  int64_t integer(const char* what) {
    peek();
    int64_t v = 0;
    auto [q, ec] = std::from_chars(p_, end_, v);
    if (ec != std::errc()) bad(std::string(what) + " must be an integer (byte " + std::to_string(offset()) + ")");
    p_ = q;
    return v;
  }

  bool boolean(const char* what) {
    peek();
    if (end_ - p_ >= 4 && std::memcmp(p_, "true", 4) == 0) {
      p_ += 4;
      return true;
    }
    if (end_ - p_ >= 5 && std::memcmp(p_, "false", 5) == 0) {
      p_ += 5;
      return false;
    }
    bad(std::string(what) + " must be true or false");
  }

  // One number of the tensor's element type, written into `out`.
  template <class T>
  void number(T& out) {
    ws();
    if constexpr (std::is_same_v<T, float>) {
      auto [q, ec] = std::from_chars(p_, end_, out);
      if (ec == std::errc::result_out_of_range) bad("a number is out of the FP32 range (byte " + std::to_string(offset()) + ")");
      if (ec != std::errc()) not_a_number();
      p_ = q;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (p_ < end_ && (*p_ == '0' || *p_ == '1') ) {
        out = *p_++ == '1';
      } else {
        out = boolean("a BOOL element");
      }
    } else {
      int64_t v = 0;
      auto [q, ec] = std::from_chars(p_, end_, v);
      if (ec != std::errc()) not_a_number();
      if (q < end_ && (*q == '.' || *q == 'e' || *q == 'E')) bad("an integer tensor holds a non-integer at byte " + std::to_string(offset()));
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) || v > static_cast<int64_t>(std::numeric_limits<T>::max()))
        bad("the value " + std::to_string(v) + " is out of the element type's range (byte " + std::to_string(offset()) + ")");
      out = static_cast<T>(v);
      p_ = q;
    }
  }

  void skip(int depth = 0) {
    if (depth > max_depth_) bad("JSON nested deeper than " + std::to_string(max_depth_) + " levels");
    const char c = peek();
    if (c == '{') {
      object([&](const std::string&) { skip(depth + 1); });
    } else if (c == '[') {
      array([&] { skip(depth + 1); });
    } else {
      scalar_text();
    }
  }

 private:
  [[noreturn]] void not_a_number() {
    bad("tensor data holds something that is not a number at byte " + std::to_string(offset()));
  }
  void unicode(std::string& out) {
    auto hex4 = [&]() {
      if (end_ - p_ < 4) bad("bad JSON: a short \\u escape");
      unsigned v = 0;
      auto [q, ec] = std::from_chars(p_, p_ + 4, v, 16);
      if (ec != std::errc() || q != p_ + 4) bad("bad JSON: a bad \\u escape");
      p_ += 4;
      return v;
    };
    unsigned cp = hex4();
    if (cp >= 0xD800 && cp < 0xDC00) {
      if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') bad("bad JSON: a lone surrogate");
      p_ += 2;
      const unsigned lo = hex4();
      if (lo < 0xDC00 || lo >= 0xE000) bad("bad JSON: a lone surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp < 0xE000) {
      bad("bad JSON: a lone surrogate");
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  const char* p_;
  const char* end_;
  const char* begin_ = p_;
  int max_depth_;
};

// One input as it is read: its data may come before its shape.
struct PendingInput {
  std::string name;
  bool has_dtype = false, has_shape = false;
  DType dtype = DType::Float32;
  Shape shape;
  int64_t binary_size = -1;
  std::vector<unsigned char> bytes;  // data in the element type
  std::vector<double> early;         // data read before the datatype
  int64_t count = 0;
};

template <class T>
void read_data(Reader& r, PendingInput& in, int64_t max_elements, int depth) {
  if (r.peek() == '[') {
    if (depth > 8) bad("input '" + in.name + "': data nested deeper than 8 levels");
    r.array([&] { read_data<T>(r, in, max_elements, depth + 1); });
    return;
  }
  if (in.count >= max_elements) bad("input '" + in.name + "' holds more elements than its shape (or the size limit) allows");
  in.bytes.resize((in.count + 1) * sizeof(T));
  T v{};
  r.number(v);
  std::memcpy(in.bytes.data() + in.count * sizeof(T), &v, sizeof(T));
  ++in.count;
}

void read_early(Reader& r, PendingInput& in, int64_t max_elements, int depth) {
  if (r.peek() == '[') {
    if (depth > 8) bad("input '" + in.name + "': data nested deeper than 8 levels");
    r.array([&] { read_early(r, in, max_elements, depth + 1); });
    return;
  }
  if (in.count >= max_elements) bad("input '" + in.name + "' holds more elements than the size limit allows");
  double v = 0;
  r.number(v);
  in.early.push_back(v);
  ++in.count;
}

template <class T>
void convert_early(PendingInput& in) {
  in.bytes.resize(in.early.size() * sizeof(T));
  for (size_t i = 0; i < in.early.size(); ++i) {
    const double v = in.early[i];
    T out;
    if constexpr (std::is_same_v<T, float>) {
      out = static_cast<float>(v);
    } else if constexpr (std::is_same_v<T, bool>) {
      out = v != 0;
    } else {
      if (v != std::floor(v) || v < static_cast<double>(std::numeric_limits<T>::min()) ||
          v > static_cast<double>(std::numeric_limits<T>::max()))
        bad("input '" + in.name + "': the value " + std::to_string(v) + " does not fit its datatype");
      out = static_cast<T>(v);
    }
    std::memcpy(in.bytes.data() + i * sizeof(T), &out, sizeof(T));
  }
  in.early.clear();
}

template <class F>
void by_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: f(float{}); break;
    case DType::UInt8: f(uint8_t{}); break;
    case DType::Int8: f(int8_t{}); break;
    case DType::Int32: f(int32_t{}); break;
    case DType::Int64: f(int64_t{}); break;
    case DType::Bool: f(bool{}); break;
    case DType::Float16: f(Float16{}); break;
  }
}

void read_input(Reader& r, PendingInput& in, const RequestLimits& limits) {
  r.object([&](const std::string& key) {
    if (key == "name") {
      r.string(in.name);
    } else if (key == "datatype") {
      std::string d;
      r.string(d);
      in.dtype = parse_v2_datatype(d);
      in.has_dtype = true;
    } else if (key == "shape") {
      in.shape.clear();
      r.array([&] {
        const int64_t d = r.integer("a shape dimension");
        if (d < 0) bad("input '" + in.name + "': shape dimension " + std::to_string(d) + " is negative");
        if (in.shape.size() >= 8) bad("input '" + in.name + "': a shape of more than 8 dimensions");
        in.shape.push_back(d);
      });
      in.has_shape = true;
    } else if (key == "parameters") {
      r.object([&](const std::string& p) {
        if (p == "binary_data_size") {
          in.binary_size = r.integer("binary_data_size");
          if (in.binary_size < 0) bad("input '" + in.name + "': binary_data_size is negative");
        } else {
          r.skip(1);
        }
      });
    } else if (key == "data") {
      if (!in.has_dtype) {
        read_early(r, in, limits.max_tensor_bytes, 0);
        return;
      }
      if (in.dtype == DType::Float16) bad("input '" + in.name + "': FP16 data goes in binary form (binary_data_size)");
      const int64_t max_elements = limits.max_tensor_bytes / static_cast<int64_t>(dtype_size(in.dtype));
      const int64_t want = in.has_shape ? numel(in.shape) : max_elements;
      in.bytes.reserve(std::min(want, max_elements) * dtype_size(in.dtype));
      by_dtype(in.dtype, [&](auto t) {
        using T = decltype(t);
        if constexpr (!std::is_same_v<T, Float16>) read_data<T>(r, in, std::min(want, max_elements), 0);
      });
    } else {
      r.skip(1);
    }
  });
  if (in.name.empty()) bad("an input without a name");
  if (!in.has_dtype) bad("input '" + in.name + "' has no datatype");
  if (!in.has_shape) bad("input '" + in.name + "' has no shape");
  if (!in.early.empty()) {
    if (in.dtype == DType::Float16) bad("input '" + in.name + "': FP16 data goes in binary form (binary_data_size)");
    by_dtype(in.dtype, [&](auto t) {
      using T = decltype(t);
      if constexpr (!std::is_same_v<T, Float16>) convert_early<T>(in);
    });
  }
}

}  // namespace

const char* v2_datatype(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "FP32";
    case DType::Float16: return "FP16";
    case DType::UInt8: return "UINT8";
    case DType::Int8: return "INT8";
    case DType::Int32: return "INT32";
    case DType::Int64: return "INT64";
    case DType::Bool: return "BOOL";
  }
  return "?";
}

DType parse_v2_datatype(std::string_view name) {
  for (DType d : {DType::Float32, DType::Float16, DType::UInt8, DType::Int8, DType::Int32, DType::Int64, DType::Bool})
    if (name == v2_datatype(d)) return d;
  throw Error(ErrorKind::Unsupported, "datatype '" + quote_value(std::string(name)) + "' is not one the runtime has",
              "infer request", "use FP32, FP16, UINT8, INT8, INT32, INT64 or BOOL");
}

InferRequest parse_infer_request(std::string_view body, size_t json_length, const RequestLimits& limits) {
  if (json_length > body.size())
    bad("Inference-Header-Content-Length is " + std::to_string(json_length) + " but the body has " +
            std::to_string(body.size()) + " bytes",
        "send the JSON header's length in bytes");
  Reader r(body.substr(0, json_length), limits.max_depth);
  r.set_begin(body.data());
  InferRequest out;
  std::vector<PendingInput> pending;
  bool has_inputs = false;
  r.object([&](const std::string& key) {
    if (key == "id") {
      r.string(out.id);
    } else if (key == "inputs") {
      has_inputs = true;
      r.array([&] {
        if (static_cast<int64_t>(pending.size()) >= limits.max_inputs)
          bad("more than " + std::to_string(limits.max_inputs) + " inputs");
        pending.emplace_back();
        read_input(r, pending.back(), limits);
      });
    } else if (key == "outputs") {
      r.array([&] {
        RequestedOutput o;
        r.object([&](const std::string& k) {
          if (k == "name") {
            r.string(o.name);
          } else if (k == "parameters") {
            r.object([&](const std::string& p) {
              if (p == "binary_data") o.binary = r.boolean("binary_data");
              else r.skip(1);
            });
          } else {
            r.skip(1);
          }
        });
        if (o.name.empty()) bad("an output without a name");
        out.outputs.push_back(std::move(o));
      });
    } else if (key == "parameters") {
      r.object([&](const std::string& p) {
        if (p == "binary_data_output") {
          out.binary_outputs = r.boolean("binary_data_output");
        } else {
          out.parameters[p] = r.scalar_text();
        }
      });
    } else {
      r.skip(1);
    }
  });
  if (!r.at_end()) bad("bad JSON: text after the request object at byte " + std::to_string(r.offset()));
  if (!has_inputs || pending.empty()) bad("the request has no inputs", "add \"inputs\": [{\"name\": ..., \"shape\": ..., \"datatype\": ..., \"data\": ...}]");

  size_t binary_at = json_length;
  for (PendingInput& in : pending) {
    for (const InferInput& seen : out.inputs)
      if (seen.name == in.name) bad("input '" + in.name + "' is given twice");
    const int64_t elements = numel(in.shape);
    const int64_t nbytes = elements * static_cast<int64_t>(dtype_size(in.dtype));
    if (elements < 0 || nbytes > limits.max_tensor_bytes)
      bad("input '" + in.name + "' of shape " + to_string(in.shape) + " is larger than the limit of " +
          std::to_string(limits.max_tensor_bytes) + " bytes");
    Tensor t(in.dtype, in.shape);
    if (in.binary_size >= 0) {
      if (in.count > 0) bad("input '" + in.name + "' has both data and binary_data_size");
      if (in.binary_size != nbytes)
        bad("input '" + in.name + "': binary_data_size is " + std::to_string(in.binary_size) + " bytes, its shape " +
            to_string(in.shape) + " of " + v2_datatype(in.dtype) + " needs " + std::to_string(nbytes));
      if (body.size() - binary_at < static_cast<size_t>(nbytes))
        bad("input '" + in.name + "': the body ends before its " + std::to_string(nbytes) + " bytes of binary data");
      std::memcpy(t.raw(), body.data() + binary_at, nbytes);
      binary_at += nbytes;
      if (in.dtype == DType::Bool) {
        const auto* b = static_cast<const unsigned char*>(t.raw());
        for (int64_t i = 0; i < elements; ++i)
          if (b[i] > 1) bad("input '" + in.name + "': a BOOL byte other than 0 or 1");
      }
    } else {
      if (in.count != elements)
        bad("input '" + in.name + "' has " + std::to_string(in.count) + " values, its shape " + to_string(in.shape) +
            " needs " + std::to_string(elements));
      if (nbytes) std::memcpy(t.raw(), in.bytes.data(), nbytes);
    }
    out.inputs.push_back({std::move(in.name), std::move(t)});
  }
  if (binary_at != body.size())
    bad("the body has " + std::to_string(body.size() - binary_at) + " bytes after the inputs' binary data",
        "binary_data_size of each input must add up to the bytes after the JSON header");
  return out;
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string error_body(std::string_view message) { return "{\"error\":" + json_quote(message) + "}"; }

namespace {

template <class T>
void append_values(std::string& out, const Tensor& t) {
  const T* v = static_cast<const T*>(t.raw());
  char buf[32];
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (i) out += ',';
    if constexpr (std::is_same_v<T, float>) {
      if (!std::isfinite(v[i])) {
        out += "null";  // JSON has no NaN or Inf
        continue;
      }
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v[i]);
      out.append(buf, p);
    } else if constexpr (std::is_same_v<T, bool>) {
      out += v[i] ? "true" : "false";
    } else if constexpr (std::is_same_v<T, Float16>) {
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, to_float(v[i]));
      out.append(buf, p);
    } else {
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v[i]));
      out.append(buf, p);
    }
  }
}

}  // namespace

EncodedResponse encode_infer_response(const InferResponse& response) {
  EncodedResponse e;
  std::string& out = e.body;
  std::string binary;
  out.reserve(256);
  out += "{\"model_name\":" + json_quote(response.model_name) + ",\"model_version\":" + json_quote(response.model_version);
  if (!response.id.empty()) out += ",\"id\":" + json_quote(response.id);
  if (!response.parameters.empty()) {
    out += ",\"parameters\":{";
    bool first = true;
    for (const auto& [k, v] : response.parameters) {
      out += (first ? "" : ",") + json_quote(k) + ":" + json_quote(v);
      first = false;
    }
    out += '}';
  }
  out += ",\"outputs\":[";
  bool first = true;
  for (const auto& [want, t] : response.outputs) {
    out += first ? "{" : ",{";
    first = false;
    out += "\"name\":" + json_quote(want.name) + ",\"datatype\":\"" + v2_datatype(t.dtype()) + "\",\"shape\":[";
    for (int d = 0; d < t.rank(); ++d) out += (d ? "," : "") + std::to_string(t.dim(d));
    out += ']';
    if (want.binary) {
      out += ",\"parameters\":{\"binary_data_size\":" + std::to_string(t.nbytes()) + "}";
      binary.append(static_cast<const char*>(t.raw()), t.nbytes());
      e.has_binary = true;
    } else {
      out += ",\"data\":[";
      by_dtype(t.dtype(), [&](auto v) { append_values<decltype(v)>(out, t); });
      out += ']';
    }
    out += '}';
  }
  out += "]}";
  e.json_length = out.size();
  out += binary;
  return e;
}

}  // namespace storefuse::infer::serve
