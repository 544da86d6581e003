// storefuse-infer replay: recorded visits (a manifest of datagen --emit-media
// or ingest's layout) sent as live streams to `storefuse-infer stream`, over
// the inputs its config names (docs/streaming.md, "Replay").
//
// visits mode (the default): each visit is laid on its stream's timeline so
// that one window, ending at the visit's window end, holds exactly the
// visit's media: its frames spread over the window's video span, its audio
// from the end minus the model's clip, its POS lines just before the end, its
// sensor rows from the end minus the model's sensor window. That window's
// inputs are then the ones `ingest` and `predict --media` compute from the
// files. Visits of one stream are a sensor window plus a hop apart, so no
// window holds two of them; --windows writes which window is whose.
//
// --continuous: every stream sends without a break for --duration seconds at
// the media's own rates (frames at the clip's frame rate, audio in chunks,
// a sensor row a second, a POS line every few seconds), cycling through the
// visits' media: the load of a store's live equipment.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <sstream>
#include <thread>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../serve/server.h"
#include "../serve/visits.h"
#include "../stream/message.h"
#include "../stream/mqtt.h"
#include "../stream/stream_config.h"
#include "command.h"
#include "environment.h"
#include "storefuse/core/error.h"
#include "storefuse/features/wav.h"
#include "storefuse/pipeline/clip_decoder.h"
#include "storefuse/pipeline/csv.h"
#include "storefuse/pipeline/manifest.h"

namespace storefuse::infer::cli {

namespace {

using namespace storefuse::infer::stream;
using datasets::Modality;

std::string number(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

// One visit's media, as messages carry them.
struct VisitMedia {
  std::string visit;
  std::vector<std::string> frames;  // encoded images
  double fps = 0;
  std::vector<int16_t> audio;       // 16-bit PCM at audio_rate (what RetailSim writes)
  std::vector<float> audio_f32;     // or float, for any other WAV
  int audio_rate = 0;
  std::vector<std::string> pos;
  std::vector<double> sensor_t;     // seconds from the first row
  std::vector<std::string> sensor_values;  // the JSON "values" object of each row
};

VisitMedia load_visit(const pipeline::ManifestRow& row, const pipeline::PosLogs& pos, const std::string& image_ext) {
  VisitMedia v;
  v.visit = std::to_string(row.sample_id);
  if (row.has(Modality::Visual))
    v.frames = pipeline::encode_clip_frames(row.media[static_cast<int>(Modality::Visual)], image_ext, v.fps);
  if (row.has(Modality::Audio)) {
    const features::Audio a = features::read_wav(row.media[static_cast<int>(Modality::Audio)]);
    v.audio_rate = a.sample_rate_hz;
    bool grid = true;  // on the 16-bit grid: sent as s16le, exactly
    for (float s : a.samples)
      if (s * 32768.0f != std::nearbyint(s * 32768.0f) || s < -1.0f || s >= 1.0f) grid = false;
    if (grid) for (float s : a.samples) v.audio.push_back(static_cast<int16_t>(std::lrint(s * 32768.0f)));
    else v.audio_f32 = a.samples;
  }
  if (row.has(Modality::Text)) {
    std::istringstream lines(pos.text(row.media[static_cast<int>(Modality::Text)], row.sample_id));
    for (std::string line; std::getline(lines, line);) v.pos.push_back(line);
  }
  if (row.has(Modality::Sensor)) {
    const pipeline::CsvTable t = pipeline::read_csv(row.media[static_cast<int>(Modality::Sensor)]);
    const int time = t.require("timestamp_s");
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const double ts = pipeline::parse_double(t.rows[r][static_cast<size_t>(time)], "timestamp_s", t.where(r));
      json values = json::object();
      for (size_t c = 0; c < t.header.size(); ++c) {
        if (static_cast<int>(c) == time) continue;
        const std::string& cell = t.rows[r][c];
        values[t.header[c]] = cell.empty() ? json(nullptr) : json(pipeline::parse_double(cell, t.header[c], t.where(r)));
      }
      v.sensor_t.push_back(ts);
      v.sensor_values.push_back(values.dump());
    }
    const double first = v.sensor_t.empty() ? 0 : v.sensor_t[0];
    for (double& ts : v.sensor_t) ts -= first;  // seconds from the first row
  }
  return v;
}

// Where messages go: the socket for frames and audio when there is one,
// MQTT for the rest (everything when there is no socket).
class Sender {
 public:
  Sender(const StreamConfig& c, bool all_mqtt) : prefix_(c.prefix) {
    if (!c.mqtt.host.empty()) {
      MqttClientOptions o;
      o.host = c.mqtt.host;
      o.port = c.mqtt.port;
      o.client_id = "storefuse-replay-" + std::to_string(::getpid());
      mqtt_ = std::make_unique<MqttClient>(o, [](std::string_view, std::string_view, int) {});
      mqtt_->start();
      for (int i = 0; i < 500 && !mqtt_->connected(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!mqtt_->connected())
        throw Error(ErrorKind::Io, "cannot connect to the MQTT broker", c.mqtt.host + ":" + std::to_string(c.mqtt.port),
                    "start the broker, or check inputs.mqtt in the config");
    }
    if (!c.socket.empty() && !(all_mqtt && mqtt_)) {
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, c.socket.c_str(), sizeof addr.sun_path - 1);
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw Error(ErrorKind::Io, std::string("cannot connect to the socket: ") + std::strerror(errno), c.socket,
                    "start storefuse-infer stream with this config first");
    }
    if (!mqtt_ && fd_ < 0) throw Error(ErrorKind::Usage, "the config names no MQTT broker and no socket", c.source);
  }
  ~Sender() {
    if (fd_ >= 0) ::close(fd_);
  }
  void send(const std::string& stream, Kind kind, const std::string& payload) {
    const std::string topic = topic_of(prefix_, stream, kind);
    const bool media = kind == Kind::Frame || kind == Kind::Audio;
    if (fd_ >= 0 && (media || !mqtt_)) {
      std::string message = topic + " " + std::to_string(payload.size()) + "\n";  // one system call for both
      message += payload;
      write_all(message);
    } else {
      mqtt_->publish(topic, payload);
    }
    ++sent_;
  }
  void drain() {
    if (mqtt_) mqtt_->stop(std::chrono::milliseconds(30000));
  }
  uint64_t sent() const { return sent_; }

 private:
  void write_all(const std::string& s) {
    for (size_t done = 0; done < s.size();) {
      const ssize_t n = ::send(fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw Error(ErrorKind::Io, "the stream processor closed the socket", "socket");
      done += static_cast<size_t>(n);
    }
  }
  std::string prefix_;
  std::unique_ptr<MqttClient> mqtt_;
  int fd_ = -1;
  uint64_t sent_ = 0;
};

std::string frame_payload(double ts, const std::string& visit, const std::string& image) {
  return "{\"ts\":" + number(ts) + ",\"visit\":\"" + visit + "\"}\n" + image;
}

std::string audio_payload(double ts, const std::string& visit, const VisitMedia& v, size_t from, size_t n) {
  std::string out = "{\"ts\":" + number(ts) + ",\"visit\":\"" + visit + "\",\"rate\":" + std::to_string(v.audio_rate) +
                    ",\"format\":\"" + (v.audio.empty() ? "f32le" : "s16le") + "\"}\n";
  // Samples [from, from + n) of the track, wrapping around its end.
  auto append = [&](const auto& track) {
    const size_t width = sizeof track[0];
    out.reserve(out.size() + n * width);
    for (size_t at = from % track.size(), left = n; left > 0; at = 0) {
      const size_t take = std::min(left, track.size() - at);
      out.append(reinterpret_cast<const char*>(track.data() + at), take * width);
      left -= take;
    }
  };
  if (!v.audio.empty()) append(v.audio);
  else append(v.audio_f32);
  return out;
}

std::string pos_payload(double ts, const std::string& visit, const std::string& line) {
  return json{{"ts", ts}, {"visit", visit}, {"line", line}}.dump();
}

std::string sensor_payload(double ts, const std::string& visit, const std::string& values) {
  return "{\"ts\":" + number(ts) + ",\"visit\":\"" + visit + "\",\"values\":" + values + "}";
}

struct Scheduled {
  double ts;
  int stream;
  Kind kind;
  std::string payload;
  bool operator<(const Scheduled& o) const { return ts < o.ts; }
};

// Sends each message when its time comes: wall = start + (ts - t0) / speed.
void play(std::vector<Scheduled>& messages, double t0, double speed, Sender& sender, const std::vector<std::string>& names) {
  std::stable_sort(messages.begin(), messages.end());
  const auto start = std::chrono::steady_clock::now();
  for (const Scheduled& m : messages) {
    std::this_thread::sleep_until(start + std::chrono::duration<double>((m.ts - t0) / speed));
    sender.send(names[static_cast<size_t>(m.stream)], m.kind, m.payload);
  }
}

}  // namespace

int run_replay(const std::vector<std::string>& args) {
  po::options_description options("replay options");
  options.add_options()
      ("config,c", po::value<std::string>(), "the stream config of the processor to feed (its inputs, windows and model)")
      ("manifest", po::value<std::string>(), "the visits: a manifest.csv (datagen --emit-media, or ingest's layout)")
      ("streams", po::value<int>()->default_value(2), "streams (cameras) to send on: rp0/cam .. rpN-1/cam")
      ("visits", po::value<int>()->default_value(0), "visits to send (0: every row of the manifest)")
      ("speed", po::value<double>()->default_value(1.0), "event seconds per wall second (visits mode)")
      ("frames", po::value<std::string>()->default_value("png"), "frame encoding: png (lossless) or jpg")
      ("start", po::value<double>(), "the first window's end (Unix seconds; visits mode): the same timeline in two runs "
                                     "(default: as late as the clock allows)")
      ("windows", po::value<std::string>(), "write visit,stream,window_end for each visit sent (CSV)")
      ("all-mqtt", po::bool_switch(), "send frames and audio over MQTT too, even when the config has a socket")
      ("continuous", po::bool_switch(), "send every stream without a break for --duration seconds, in real time")
      ("duration", po::value<double>()->default_value(60.0), "seconds of --continuous")
      ("audio-chunk-ms", po::value<int>()->default_value(100), "audio chunk length (--continuous)")
      ("seed", po::value<int>()->default_value(1), "the streams' phase offsets (--continuous)");
  po::variables_map vm;
  if (!parse_args("replay", "--config stream.yaml --manifest manifest.csv [--streams N] [--speed X]", options, args, vm))
    return 0;
  if (!vm.count("config") || !vm.count("manifest"))
    throw Error(ErrorKind::Usage, "give --config and --manifest", "storefuse-infer replay", "run 'storefuse-infer replay --help'");
  const StreamConfig config = load_stream_config(vm["config"].as<std::string>());
  const int streams = vm["streams"].as<int>();
  const double speed = vm["speed"].as<double>();
  const std::string ext = "." + vm["frames"].as<std::string>();
  if (streams < 1) throw Error(ErrorKind::Usage, "--streams must be at least 1", "storefuse-infer replay");
  if (!(speed > 0)) throw Error(ErrorKind::Usage, "--speed must be positive", "storefuse-infer replay");
  if (ext != ".png" && ext != ".jpg") throw Error(ErrorKind::Usage, "--frames is png or jpg", "storefuse-infer replay");

  // The model's feature spec gives the audio clip and the sensor window.
  const serve::VisitModel model(Model::load(config.model.string()), config.model.string());
  const pipeline::PipelineParams& params = model.pipeline().params();
  const pipeline::Manifest manifest = pipeline::read_manifest(vm["manifest"].as<std::string>());
  const pipeline::PosLogs pos = pipeline::PosLogs::read(manifest);
  size_t visits = manifest.rows.size();
  if (vm["visits"].as<int>() > 0) visits = std::min(visits, static_cast<size_t>(vm["visits"].as<int>()));
  if (visits == 0) throw Error(ErrorKind::Data, "the manifest has no visits", manifest.file.string());
  std::vector<VisitMedia> media;
  for (size_t i = 0; i < visits; ++i) media.push_back(load_visit(manifest.rows[i], pos, ext));
  std::vector<std::string> names;
  for (int j = 0; j < streams; ++j) names.push_back("rp" + std::to_string(j) + "/cam");

  Sender sender(config, vm["all-mqtt"].as<bool>());
  const WindowOptions& w = config.window;
  std::vector<Scheduled> messages;
  double t0;
  if (!vm["continuous"].as<bool>()) {
    // Each visit's window end, on the hop grid; visits of a stream a sensor
    // window (the longest lookback) plus a hop apart.
    const double longest = std::max({w.length_s, w.text_lookback_s, params.clip_s, params.sensor.window_s});
    const double spacing = std::ceil((longest + w.hop_s) / w.hop_s) * w.hop_s;
    const double span = spacing * std::ceil(static_cast<double>(visits) / streams) + longest;
    t0 = serve::unix_time_s() - span * (1.0 - 1.0 / speed);  // no stamp runs ahead of the clock
    if (vm.count("start")) {
      t0 = vm["start"].as<double>() - longest;
      if (t0 + span > serve::unix_time_s())
        throw Error(ErrorKind::Usage, "--start puts the visits in the future", "storefuse-infer replay",
                    "start at least " + std::to_string(static_cast<int>(span)) + " s before now");
    }
    const double first_end = std::ceil((t0 + longest) / w.hop_s) * w.hop_s;
    std::ofstream windows;
    if (vm.count("windows")) {
      windows.open(vm["windows"].as<std::string>());
      windows << "visit,stream,window_end\n";
    }
    for (size_t i = 0; i < visits; ++i) {
      const VisitMedia& v = media[i];
      const int stream = static_cast<int>(i % static_cast<size_t>(streams));
      const double end = first_end + spacing * static_cast<double>(i / static_cast<size_t>(streams));
      if (windows.is_open()) windows << v.visit << "," << names[size_t(stream)] << "," << number(end) << "\n";
      for (size_t f = 0; f < v.frames.size(); ++f) {
        const double ts = end - w.length_s + w.length_s * static_cast<double>(f) / static_cast<double>(v.frames.size());
        messages.push_back({ts, stream, Kind::Frame, frame_payload(ts, v.visit, v.frames[f])});
      }
      const size_t n_audio = v.audio.empty() ? v.audio_f32.size() : v.audio.size();
      const size_t chunk = static_cast<size_t>(std::max(1, v.audio_rate / 10));
      for (size_t from = 0; from < n_audio; from += chunk) {
        const double ts = end - params.clip_s + static_cast<double>(from) / v.audio_rate;
        messages.push_back({ts, stream, Kind::Audio, audio_payload(ts, v.visit, v, from, std::min(chunk, n_audio - from))});
      }
      for (size_t l = 0; l < v.pos.size(); ++l) {
        const double ts = end - 0.5 + 0.5 * static_cast<double>(l) / static_cast<double>(v.pos.size());
        messages.push_back({ts, stream, Kind::Pos, pos_payload(ts, v.visit, v.pos[l])});
      }
      for (size_t r = 0; r < v.sensor_t.size(); ++r) {
        const double ts = end - params.sensor.window_s + v.sensor_t[r];
        messages.push_back({ts, stream, Kind::Sensor, sensor_payload(ts, v.visit, v.sensor_values[r])});
      }
    }
    play(messages, t0, speed, sender, names);
  } else {
    // Real time, each stream at its own phase; payloads made as they are due.
    const double duration = vm["duration"].as<double>();
    const int chunk_ms = vm["audio-chunk-ms"].as<int>();
    std::mt19937 rng(static_cast<uint32_t>(vm["seed"].as<int>()));
    std::uniform_real_distribution<double> phase(0.0, 1.0);
    struct Due {
      double ts;
      int stream;
      Kind kind;
      int64_t n;
      bool operator>(const Due& o) const { return ts > o.ts; }
    };
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
    t0 = serve::unix_time_s();
    for (int j = 0; j < streams; ++j) {
      const double p = phase(rng);
      for (Kind k : {Kind::Frame, Kind::Audio, Kind::Pos, Kind::Sensor}) due.push({t0 + p, j, k, 0});
    }
    const auto start = std::chrono::steady_clock::now();
    auto woke = start;
    while (!due.empty()) {
      Due d = due.top();
      due.pop();
      if (d.ts > t0 + duration) continue;
      // Wakes at most once a millisecond: what came due meanwhile goes out
      // together, at most 1 ms late, as a store's gateway forwards it.
      const auto at = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(d.ts - t0));
      if (at > std::chrono::steady_clock::now()) {
        woke = std::max(at, woke + std::chrono::milliseconds(1));
        std::this_thread::sleep_until(woke);
      }
      const VisitMedia& v = media[static_cast<size_t>(d.stream) % media.size()];
      const std::string& name = names[static_cast<size_t>(d.stream)];
      double next = 0;
      switch (d.kind) {
        case Kind::Frame:
          if (v.frames.empty()) continue;
          sender.send(name, Kind::Frame, frame_payload(d.ts, v.visit, v.frames[static_cast<size_t>(d.n) % v.frames.size()]));
          next = 1.0 / (v.fps > 0 ? v.fps : 4.0);
          break;
        case Kind::Audio: {
          if (v.audio_rate == 0) continue;
          const size_t n = static_cast<size_t>(v.audio_rate) * static_cast<size_t>(chunk_ms) / 1000;
          sender.send(name, Kind::Audio, audio_payload(d.ts, v.visit, v, static_cast<size_t>(d.n) * n, n));
          next = chunk_ms / 1000.0;
          break;
        }
        case Kind::Pos:
          if (v.pos.empty()) continue;
          sender.send(name, Kind::Pos, pos_payload(d.ts, v.visit, v.pos[static_cast<size_t>(d.n) % v.pos.size()]));
          next = 5.0;
          break;
        case Kind::Sensor:
          if (v.sensor_values.empty()) continue;
          sender.send(name, Kind::Sensor,
                      sensor_payload(d.ts, v.visit, v.sensor_values[static_cast<size_t>(d.n) % v.sensor_values.size()]));
          next = 1.0;
          break;
      }
      due.push({d.ts + next, d.stream, d.kind, d.n + 1});
    }
  }
  sender.drain();
  std::cout << "replayed " << visits << " visits on " << streams << " streams: " << sender.sent() << " messages" << std::endl;
  return 0;
}

}  // namespace storefuse::infer::cli
