// The messages a store's equipment sends to `storefuse-infer stream`, over
// MQTT or the local socket alike (docs/streaming.md, "Messages"):
//
//   topic   PREFIX/STORE/CAMERA/KIND      KIND: frame, audio, pos, sensor
//   pos     {"ts": 1716582008.9, "line": "SALE reg=4 ...", "visit": "200"}
//   sensor  {"ts": ..., "values": {"shelf_weight_kg": 28.27, ...}}   (a channel left out: dropped reading)
//   frame   {"ts": ...}\n<JPEG or PNG bytes>
//   audio   {"ts": ..., "rate": 16000, "format": "s16le"}\n<PCM, mono>   (format s16le or f32le)
//           {"ts": ..., "format": "wav"}\n<a WAV file>               (any rate and channels: mixed to mono)
//
// "ts" is the capture time in seconds (Unix time) of the item, or of an
// audio chunk's first sample; "visit" is optional on every kind.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace storefuse::infer::stream {

enum class Kind { Frame, Audio, Pos, Sensor };
const char* to_string(Kind k);

struct MessageLimits {
  size_t max_bytes = size_t(1) << 20;  // a whole payload
  size_t max_header_bytes = 4096;      // the JSON line before a frame or audio chunk
};

struct Message {
  std::string store, camera;  // the stream is "STORE/CAMERA"
  Kind kind = Kind::Pos;
  double ts = 0;
  std::string visit;
  std::string line;                                     // pos
  std::vector<std::pair<std::string, double>> values;   // sensor, as sent
  std::string_view bytes;                               // frame: the image; audio: the PCM (points into the payload)
  int rate_hz = 0;                                      // audio
  bool float32 = false;                                 // audio: f32le, else s16le
  bool wav = false;                                     // audio: a WAV file, decoded into wav_samples
  std::vector<float> wav_samples;

  std::string stream() const { return store + "/" + camera; }
};

// Parses one message. Anything malformed (a topic outside the prefix, an
// unknown kind, bad JSON, a missing or non-finite ts, a field of the wrong
// type, an empty image, PCM of a length that is not whole samples, a size
// past the limits) is Error(Data) naming the topic and the field.
Message parse_message(std::string_view topic, std::string_view payload, const std::string& prefix,
                      const MessageLimits& limits = {});

// PREFIX/STORE/CAMERA/KIND for a stream "STORE/CAMERA".
std::string topic_of(const std::string& prefix, const std::string& stream, Kind kind);

// PCM samples of an audio message, mono, scaled to [-1, 1) as WAV reading does.
std::vector<float> pcm_samples(const Message& m);

}  // namespace storefuse::infer::stream
