#include "visits.h"

#include <chrono>
#include <exception>
#include <mutex>

#include "batcher.h"
#include "storefuse/core/error.h"

namespace storefuse::infer::serve {

namespace {

namespace ds = datasets;

[[noreturn]] void bad(const std::string& problem, const std::string& where, const std::string& fix = {}) {
  throw Error(ErrorKind::Data, problem, where, fix);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// A parameter of a header value: `name=value` or `name="value"`, after a ';'.
std::string header_param(std::string_view value, const std::string& name) {
  size_t i = 0;
  while ((i = value.find(';', i)) != std::string_view::npos) {
    ++i;
    while (i < value.size() && value[i] == ' ') ++i;
    if (lower(value.substr(i, name.size())) != name || i + name.size() >= value.size() || value[i + name.size()] != '=')
      continue;
    size_t v = i + name.size() + 1;
    if (v < value.size() && value[v] == '"') {
      const size_t end = value.find('"', v + 1);
      if (end == std::string_view::npos) return {};
      return std::string(value.substr(v + 1, end - v - 1));
    }
    size_t end = value.find(';', v);
    return trim(value.substr(v, end == std::string_view::npos ? std::string_view::npos : end - v));
  }
  return {};
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    std::string line = text.substr(i, j - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!(j == text.size() && line.empty())) lines.push_back(std::move(line));  // no empty line after a final '\n'
    i = j + 1;
  }
  return lines;
}

// Sets `slot` once; a field sent twice is an error, never "the last wins".
template <class T>
void set_once(std::optional<T>& slot, T value, const std::string& field) {
  if (slot) bad("'" + field + "' is given twice", "visit request", "send each modality once");
  slot = std::move(value);
}

void set_field(VisitRequest& v, const std::string& name, std::string value) {
  if (name == "model") {
    v.model = std::move(value);
  } else if (name == "version") {
    v.version = std::move(value);
  } else if (name == "id") {
    v.id = std::move(value);
  } else if (name == "customer_id" || name == "outcome" || name == "timeout") {
    v.parameters[name] = std::move(value);
  } else {
    bad("unknown field '" + name + "'", "visit request",
        "the fields are model, version, id, customer_id, outcome, timeout, video, frames, audio, pos, sensor");
  }
}

VisitRequest parse_json_visit(std::string_view body, const VisitLimits& limits) {
  const json j = parse_json(std::string(body), "visit request", {body.size() + 1, 8});
  if (!j.is_object()) bad("the body is not a JSON object", "visit request", "send {\"video\": ..., \"audio\": ...}");
  VisitRequest v;
  auto text = [&](const json& value, const std::string& field) -> std::string {
    if (!value.is_string()) bad("'" + field + "' is not a string", "visit request");
    return value.get<std::string>();
  };
  for (const auto& [key, value] : j.items()) {
    if (key == "video") {
      v.media.video = base64_decode(text(value, key), "video");
    } else if (key == "frames") {
      if (!value.is_array()) bad("'frames' is not a list of base64 images", "visit request");
      if (value.size() > limits.max_frames)
        bad("'frames' has " + std::to_string(value.size()) + " images, over the limit of " +
                std::to_string(limits.max_frames),
            "visit request", "send the frames the model samples from, or the clip as a video");
      std::vector<std::string> frames;
      for (size_t i = 0; i < value.size(); ++i)
        frames.push_back(base64_decode(text(value[i], "frames[" + std::to_string(i) + "]"), "frames[" + std::to_string(i) + "]"));
      v.media.frames = std::move(frames);
    } else if (key == "audio") {
      v.media.audio = base64_decode(text(value, key), "audio");
    } else if (key == "pos") {
      if (!value.is_array()) bad("'pos' is not a list of POS lines", "visit request", "send [\"line 1\", \"line 2\"]");
      std::vector<std::string> lines;
      for (size_t i = 0; i < value.size(); ++i) lines.push_back(text(value[i], "pos[" + std::to_string(i) + "]"));
      v.media.pos_lines = std::move(lines);
    } else if (key == "sensor") {
      v.media.sensor_csv = text(value, key);
    } else if (key == "parameters") {
      if (!value.is_object()) bad("'parameters' is not an object", "visit request");
      for (const auto& [name, p] : value.items()) {
        if (p.is_string()) v.parameters[name] = p.get<std::string>();
        else if (p.is_number() || p.is_boolean()) v.parameters[name] = p.dump();
        else bad("parameter '" + name + "' is not a string or a number", "visit request");
      }
    } else if (key == "model" || key == "version" || key == "id" || key == "customer_id" || key == "outcome" ||
               key == "timeout") {
      set_field(v, key, value.is_number() ? value.dump() : text(value, key));
    } else {
      set_field(v, key, {});  // unknown: the error names the known fields
    }
  }
  return v;
}

VisitRequest parse_multipart_visit(std::string_view body, std::string_view content_type, const VisitLimits& limits) {
  const std::string boundary = header_param(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 70)
    bad("multipart/form-data without a boundary", "Content-Type", "let the client library write the Content-Type");
  const std::string delimiter = "--" + boundary;
  VisitRequest v;
  std::vector<std::string> frames;
  size_t pos = body.find(delimiter);
  if (pos != 0 && pos != std::string_view::npos) {
    // A preamble is allowed only before a CRLF-delimited first boundary.
    pos = body.find("\r\n" + delimiter);
    if (pos != std::string_view::npos) pos += 2;
  }
  if (pos == std::string_view::npos) bad("the body has no part delimited by the boundary", "multipart body");
  size_t parts = 0;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") break;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") bad("a boundary is not followed by CRLF", "multipart body");
    pos += 2;
    if (++parts > limits.max_parts) bad("over " + std::to_string(limits.max_parts) + " parts", "multipart body");
    const size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) bad("a part's headers do not end", "multipart body");
    std::string name, filename;
    for (const std::string& line : split_lines(std::string(body.substr(pos, head_end - pos)))) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) bad("a part header has no ':'", "multipart body");
      if (lower(trim(line.substr(0, colon))) != "content-disposition") continue;
      name = header_param(line, "name");
      filename = header_param(line, "filename");
    }
    if (name.empty()) bad("a part has no Content-Disposition name", "multipart body");
    const size_t data = head_end + 4;
    const size_t next = body.find("\r\n" + delimiter, data);
    if (next == std::string_view::npos) bad("part '" + name + "' does not end with the boundary", "multipart body");
    std::string content(body.substr(data, next - data));
    if (name == "video") {
      set_once(v.media.video, std::move(content), name);
    } else if (name == "frames" || name == "frame") {
      if (frames.size() >= limits.max_frames)
        bad("over " + std::to_string(limits.max_frames) + " frames", "multipart body", "send the clip as a video");
      frames.push_back(std::move(content));
    } else if (name == "audio") {
      set_once(v.media.audio, std::move(content), name);
    } else if (name == "pos") {
      set_once(v.media.pos_lines, split_lines(content), name);
    } else if (name == "sensor") {
      set_once(v.media.sensor_csv, std::move(content), name);
    } else {
      set_field(v, name, std::move(content));
    }
    pos = next + 2;
  }
  if (!frames.empty()) v.media.frames = std::move(frames);
  return v;
}

}  // namespace

std::string base64_decode(std::string_view text, const std::string& where) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) bad("'" + where + "' is not base64: its length is impossible", where);
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int v = value(text[i]);
    if (v < 0) bad("'" + where + "' is not base64: character " + std::to_string(i) + " is not in the alphabet", where,
                   "send the file's bytes base64-encoded, without line breaks");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

VisitRequest parse_visit(std::string_view body, std::string_view content_type, const VisitLimits& limits) {
  const std::string type = lower(trim(content_type.substr(0, content_type.find(';'))));
  if (type == "multipart/form-data") return parse_multipart_visit(body, content_type, limits);
  if (type == "application/json" || type.empty()) return parse_json_visit(body, limits);
  throw Error(ErrorKind::Data, "Content-Type '" + type + "' is not a visit", "visit request",
              "send application/json (media base64) or multipart/form-data");
}

VisitModel::VisitModel(std::shared_ptr<const Model> model, const std::string& where)
    : adapter_(std::move(model), where),
      pipeline_([&]() -> const ds::FeatureSpec& {
        if (!adapter_.feature_spec())
          throw Error(ErrorKind::Usage, "the model carries no feature spec, so raw media cannot become its inputs", where,
                      "export it with storefuse export (which stores the spec), or send tensors to /v2/models/.../infer");
        return *adapter_.feature_spec();
      }()),
      class_names_(adapter_.class_names(&pipeline_.spec())) {}

VisitInputs VisitModel::inputs(const pipeline::EncodedMedia& media) const {
  const auto start = std::chrono::steady_clock::now();
  VisitInputs in = inputs(pipeline::decode_media(media, pipeline_.params()));
  in.features_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return in;
}

VisitInputs VisitModel::inputs(const pipeline::SampleMedia& m) const {
  const auto start = std::chrono::steady_clock::now();
  ds::Batch b = ds::Batch::allocate(pipeline_.spec(), 1, false);
  pipeline_.fill_row(m, b, 0);
  VisitInputs in;
  in.present = m.present;
  in.feeds = adapter_.feeds(b);
  in.rows = in.feeds.empty() ? 1 : in.feeds.begin()->second.dim(0);
  in.features_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return in;
}

json VisitModel::answer(const std::map<std::string, Tensor>& outputs, const VisitInputs& in) const {
  const contract::ModelOutputs o = adapter_.outputs(outputs, in.rows, 1);
  metrics::Outputs all{{}, o.classes, {}, {}};
  adapter_.append(o, all);
  auto name = [&](int64_t c) {
    return c < static_cast<int64_t>(class_names_.size()) ? class_names_[size_t(c)] : "class_" + std::to_string(c);
  };
  json probabilities = json::object();
  int64_t best = 0;
  for (int64_t c = 0; c < o.classes; ++c) {
    probabilities[name(c)] = all.probs[size_t(c)];
    if (all.probs[size_t(c)] > all.probs[size_t(best)]) best = c;
  }
  json modalities = json::object();
  for (ds::Modality m : ds::kModalities) modalities[ds::to_string(m)] = bool(in.present[static_cast<int>(m)]);
  return json{{"behavior", name(best)},
              {"probabilities", probabilities},
              {"dwell_s", o.dwell_s[0]},
              {"engagement", o.engagement[0]},
              {"modalities", modalities}};
}

const VisitModel& visit_model(const ModelInstance& instance) {
  std::call_once(instance.visit_once_, [&] {
    try {
      instance.visit_model_ = std::make_shared<const VisitModel>(
          instance.shared_model(), "model '" + instance.name() + "' version " + instance.version());
    } catch (...) {
      instance.visit_error_ = std::current_exception();
    }
  });
  if (instance.visit_error_) std::rethrow_exception(instance.visit_error_);
  return *instance.visit_model_;
}

}  // namespace storefuse::infer::serve
