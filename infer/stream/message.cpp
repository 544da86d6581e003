#include "message.h"

#include <cmath>
#include <cstring>

#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/features/wav.h"

namespace storefuse::infer::stream {

namespace {

[[noreturn]] void bad(const std::string& problem, std::string_view topic, const std::string& fix = {}) {
  throw Error(ErrorKind::Data, problem, "message on " + std::string(topic), fix);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t from = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(from, i - from));
      from = i + 1;
    }
  }
  return parts;
}

std::string string_field(const json& j, const char* key, std::string_view topic) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  bad(std::string("'") + key + "' is not a string", topic);
}

}  // namespace

const char* to_string(Kind k) {
  switch (k) {
    case Kind::Frame: return "frame";
    case Kind::Audio: return "audio";
    case Kind::Pos: return "pos";
    case Kind::Sensor: return "sensor";
  }
  return "?";
}

std::string topic_of(const std::string& prefix, const std::string& stream, Kind kind) {
  return prefix + "/" + stream + "/" + to_string(kind);
}

Message parse_message(std::string_view topic, std::string_view payload, const std::string& prefix,
                      const MessageLimits& limits) {
  Message m;
  if (payload.size() > limits.max_bytes)
    bad("the payload is " + std::to_string(payload.size()) + " bytes, over the limit of " +
            std::to_string(limits.max_bytes),
        topic, "send smaller items, or raise limits.max_message_bytes");
  const auto parts = split(topic, '/');
  const auto pre = split(prefix, '/');
  if (parts.size() != pre.size() + 3 || !std::equal(pre.begin(), pre.end(), parts.begin()))
    bad("the topic is not " + prefix + "/STORE/CAMERA/KIND", topic);
  m.store = std::string(parts[pre.size()]);
  m.camera = std::string(parts[pre.size() + 1]);
  if (m.store.empty() || m.camera.empty()) bad("the topic has an empty store or camera", topic);
  const std::string_view kind = parts[pre.size() + 2];
  if (kind == "frame") m.kind = Kind::Frame;
  else if (kind == "audio") m.kind = Kind::Audio;
  else if (kind == "pos") m.kind = Kind::Pos;
  else if (kind == "sensor") m.kind = Kind::Sensor;
  else bad("'" + std::string(kind) + "' is not a kind of item", topic, "the last topic level is frame, audio, pos or sensor");

  const bool binary = m.kind == Kind::Frame || m.kind == Kind::Audio;
  std::string_view header = payload;
  if (binary) {
    const size_t nl = payload.find('\n');
    if (nl == std::string_view::npos || nl > limits.max_header_bytes)
      bad("the payload does not start with a JSON header line", topic,
          "send {\"ts\": ...} and a newline before the " + std::string(kind) + "'s bytes");
    header = payload.substr(0, nl);
    m.bytes = payload.substr(nl + 1);
  }
  JsonLimits jl;
  jl.max_bytes = binary ? limits.max_header_bytes : limits.max_bytes;
  jl.max_depth = 4;
  const json j = parse_json(std::string(header), "message on " + std::string(topic), jl);
  if (!j.is_object()) bad("the payload is not a JSON object", topic);
  auto ts = j.find("ts");
  if (ts == j.end() || !ts->is_number()) bad("'ts' is missing or not a number", topic, "give the capture time in seconds (Unix time)");
  m.ts = ts->get<double>();
  if (!std::isfinite(m.ts)) bad("'ts' is not finite", topic);
  m.visit = string_field(j, "visit", topic);

  switch (m.kind) {
    case Kind::Pos: {
      auto line = j.find("line");
      if (line == j.end() || !line->is_string()) bad("'line' is missing or not a string", topic);
      m.line = line->get<std::string>();
      if (m.line.find('\n') != std::string::npos) bad("'line' holds a line break", topic, "send one POS line per message");
      break;
    }
    case Kind::Sensor: {
      auto values = j.find("values");
      if (values == j.end() || !values->is_object()) bad("'values' is missing or not an object of channel readings", topic);
      for (const auto& [name, v] : values->items()) {
        if (v.is_null()) continue;  // a dropped reading
        if (!v.is_number()) bad("'values." + name + "' is not a number", topic);
        m.values.emplace_back(name, v.get<double>());
      }
      break;
    }
    case Kind::Frame:
      if (m.bytes.empty()) bad("the frame has no image bytes", topic);
      break;
    case Kind::Audio: {
      auto f = j.find("format");
      if (f != j.end() && !f->is_string()) bad("'format' is not a string", topic, "s16le, f32le or wav");
      const std::string format = f == j.end() ? "s16le" : f->get<std::string>();
      if (format == "wav") {  // a WAV file's bytes: its own rate and channels
        if (j.contains("rate")) bad("'rate' is given for a WAV chunk, which has its own", topic, "leave 'rate' out");
        features::Audio a = features::decode_wav(m.bytes, "the WAV chunk on " + std::string(topic));
        if (a.samples.empty()) bad("the WAV chunk holds no samples", topic);
        m.rate_hz = a.sample_rate_hz;
        m.wav_samples = std::move(a.samples);
        m.wav = true;
        break;
      }
      auto rate = j.find("rate");
      if (rate == j.end() || !rate->is_number_integer() || rate->get<int64_t>() < 1000 || rate->get<int64_t>() > 384000)
        bad("'rate' is missing or not a sample rate (1000-384000 Hz)", topic);
      m.rate_hz = static_cast<int>(rate->get<int64_t>());
      if (format != "s16le" && format != "f32le") bad("'format' is '" + format + "', not s16le, f32le or wav", topic);
      m.float32 = format == "f32le";
      const size_t width = m.float32 ? 4 : 2;
      if (m.bytes.empty() || m.bytes.size() % width != 0)
        bad("the audio chunk is " + std::to_string(m.bytes.size()) + " bytes, not whole " + format + " samples", topic);
      break;
    }
  }
  return m;
}

std::vector<float> pcm_samples(const Message& m) {
  if (m.wav) return m.wav_samples;
  const size_t width = m.float32 ? 4 : 2, n = m.bytes.size() / width;
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (m.float32) {
      std::memcpy(&out[i], m.bytes.data() + 4 * i, 4);
    } else {
      int16_t v;
      std::memcpy(&v, m.bytes.data() + 2 * i, 2);
      out[i] = static_cast<float>(v) / 32768.0f;
    }
  }
  return out;
}

}  // namespace storefuse::infer::stream
