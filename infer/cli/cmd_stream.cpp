// storefuse-infer stream: many live store streams in, event-time windows,
// predictions and events out (docs/streaming.md). Runs until SIGTERM or
// SIGINT: the inputs stop, every open window is closed and predicted, the
// outputs are written and the events' MQTT outbox drained, exit 0.
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "../serve/http_server.h"
#include "../serve/server.h"
#include "../stream/mqtt.h"
#include "../stream/ownership.h"
#include "../stream/processor.h"
#include "../stream/socket_input.h"
#include "command.h"
#include "environment.h"
#include "storefuse/core/error.h"
#include "storefuse/pipeline/clip_decoder.h"

namespace storefuse::infer::cli {

namespace {

using namespace storefuse::infer::stream;

// One video source: frames stamped with the time they were read (a file:
// its start plus the frame's position, paced at its frame rate when
// realtime), until the source ends or the process stops.
void read_video(const VideoSource& v, Processor& processor, const std::atomic<bool>& stopping) {
  while (!stopping) {
    try {
      pipeline::FrameSource source(v.url, processor.params().visual);
      const double t0 = serve::unix_time_s();
      const auto wall0 = std::chrono::steady_clock::now();
      double position = 0;
      std::vector<uint8_t> gray;
      while (!stopping && source.next(position, gray)) {
        if (v.realtime) std::this_thread::sleep_until(wall0 + std::chrono::duration<double>(position));
        processor.on_frame(v.stream, t0 + position, std::move(gray));
      }
      if (v.url.find("://") == std::string::npos) return;  // a file ends; a live source is opened again
    } catch (const Error& e) {
      std::cerr << "storefuse-infer stream: video source " << v.stream << ": " << e.what() << "\n";
      if (v.url.find("://") == std::string::npos) return;
    }
    for (int i = 0; i < 50 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string mqtt_metrics(const MqttClient* mqtt, const Ownership* owner) {
  if (!mqtt) return {};
  const MqttCounters& c = mqtt->counters();
  std::string out;
  auto line = [&](const char* name, uint64_t v) { out += std::string(name) + " " + std::to_string(v) + "\n"; };
  out += "# TYPE storefuse_stream_mqtt_connects_total counter\n";
  line("storefuse_stream_mqtt_connects_total", c.connects);
  out += "# TYPE storefuse_stream_mqtt_disconnects_total counter\n";
  line("storefuse_stream_mqtt_disconnects_total", c.disconnects);
  out += "# TYPE storefuse_stream_mqtt_received_total counter\n";
  line("storefuse_stream_mqtt_received_total", c.received);
  out += "# TYPE storefuse_stream_mqtt_published_total counter\n";
  line("storefuse_stream_mqtt_published_total", c.published);
  out += "# TYPE storefuse_stream_mqtt_resent_total counter\n";
  line("storefuse_stream_mqtt_resent_total", c.resent);
  out += "# TYPE storefuse_stream_mqtt_outbox gauge\n";
  line("storefuse_stream_mqtt_outbox", mqtt->outstanding());
  out += "# TYPE storefuse_stream_mqtt_connected gauge\n";
  line("storefuse_stream_mqtt_connected", mqtt->connected() ? 1 : 0);
  if (owner) {
    out += "# TYPE storefuse_stream_owned_streams gauge\n";
    line("storefuse_stream_owned_streams", owner->owned());
    out += "# TYPE storefuse_stream_members gauge\n";
    line("storefuse_stream_members", owner->members());
  }
  return out;
}

}  // namespace

int run_stream(const std::vector<std::string>& args) {
  po::options_description options("stream options");
  options.add_options()
      ("config,c", po::value<std::string>(), "the stream config (YAML; docs/streaming.md lists its keys)")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a key: --set window.hop_s=0.5 (repeatable)")
      ("print-defaults", po::bool_switch(), "print the built-in defaults (every key) and exit");
  add_load_options(options);
  po::variables_map vm;
  if (!parse_args("stream", "--config stream.yaml [--set KEY=VALUE ...]", options, args, vm)) return 0;
  if (vm["print-defaults"].as<bool>()) {
    std::cout << stream_config_defaults();
    return 0;
  }
  if (!vm.count("config"))
    throw Error(ErrorKind::Usage, "give --config", "storefuse-infer stream", "run 'storefuse-infer stream --help'");
  const StreamConfig config = load_stream_config(
      vm["config"].as<std::string>(), vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{});

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto model = Model::load(config.model.string(), load_options(vm));
  StreamMetrics metrics;
  Outputs outputs(config, metrics);
  Processor processor(config, model, metrics, outputs);

  std::unique_ptr<MqttClient> mqtt;
  std::unique_ptr<Ownership> ownership;
  if (!config.mqtt.host.empty()) {
    MqttClientOptions o;
    o.host = config.mqtt.host;
    o.port = config.mqtt.port;
    o.client_id = config.mqtt.client_id;
    o.keepalive_s = config.mqtt.keepalive_s;
    o.qos = config.mqtt.qos;
    if (config.mqtt.share_group.empty()) {
      for (Kind k : {Kind::Frame, Kind::Audio, Kind::Pos, Kind::Sensor})
        o.subscriptions.emplace_back(config.prefix + "/+/+/" + to_string(k), 0);
    } else {
      ownership = std::make_unique<Ownership>(config, processor);
      ownership->configure(o);
      outputs.set_progress([&](const std::string& stream, int64_t index) { ownership->progress(stream, index); });
    }
    mqtt = std::make_unique<MqttClient>(
        o,
        [&](std::string_view topic, std::string_view payload, int subscription) {
          if (ownership && ownership->on_message(topic, payload, subscription)) return;
          processor.on_message(topic, payload, "mqtt");
        },
        [&] {
          if (ownership) ownership->on_connect();
        });
    if (ownership) ownership->set_client(mqtt.get());
    outputs.set_publisher(mqtt.get());
  }
  std::unique_ptr<SocketInput> socket;
  if (!config.socket.empty())
    socket = std::make_unique<SocketInput>(
        config.socket, config.message_limits.max_bytes,
        [&](std::string_view topic, std::string_view payload) { processor.on_message(topic, payload, "socket"); },
        [&](const std::string& problem) {
          metrics.malformed("socket_framing");
          std::cerr << "storefuse-infer stream: socket: " << problem << "\n";
        });
  std::unique_ptr<serve::HttpServer> http;
  if (config.metrics_port >= 0) {
    serve::HttpOptions h;
    h.host = config.metrics_host;
    h.port = config.metrics_port;
    h.max_body_bytes = 4096;
    h.max_connections = 16;
    http = std::make_unique<serve::HttpServer>(
        h,
        [&](serve::HttpRequest&& r, serve::Reply reply) {
          const std::string target(r.target());
          if (r.method() == serve::http::verb::get && target == "/metrics")
            reply(serve::make_response(r, serve::http::status::ok, metrics.text(mqtt_metrics(mqtt.get(), ownership.get())),
                                       "text/plain; version=0.0.4"));
          else if (r.method() == serve::http::verb::get && target == "/health")
            reply(serve::make_response(r, serve::http::status::ok, "{\"live\":true}"));
          else
            reply(serve::make_response(r, serve::http::status::not_found, "{\"error\":\"GET /metrics or /health\"}"));
        },
        metrics.model);
  }

  processor.start();
  std::atomic<bool> stopping{false};
  std::vector<std::thread> video;
  for (const VideoSource& v : config.video) video.emplace_back([&, v] { read_video(v, processor, stopping); });
  if (mqtt) mqtt->start();
  if (socket) socket->start();
  if (http) http->start();
  std::cout << "streaming with " << config.model.string();
  if (mqtt) std::cout << "; MQTT " << config.mqtt.host << ":" << config.mqtt.port << " topics " << config.prefix << "/+/+/+"
                      << (config.mqtt.share_group.empty() ? "" : " in group " + config.mqtt.share_group);
  if (socket) std::cout << "; socket " << config.socket;
  if (http) std::cout << "; metrics on " << config.metrics_host << ":" << http->port();
  std::cout << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "storefuse-infer stream: stopping: inputs closed, flushing open windows\n";
  stopping = true;
  for (auto& t : video) t.join();
  if (socket) socket->stop();
  if (ownership) ownership->leave();  // no new data; this process's streams go to the others
  else if (mqtt)
    for (Kind k : {Kind::Frame, Kind::Audio, Kind::Pos, Kind::Sensor}) mqtt->unsubscribe(config.prefix + "/+/+/" + to_string(k));
  const bool flushed = processor.flush();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (outputs.queued() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (ownership) ownership->depart();
  if (mqtt) mqtt->stop(std::chrono::milliseconds(5000));
  processor.stop();
  outputs.close();
  if (http) http->stop();
  std::cerr << "storefuse-infer stream: stopped; " << metrics.predictions.load() << " window predictions, "
            << metrics.malformed_total() << " messages refused\n";
  if (!flushed) {
    std::cerr << "storefuse-infer stream: " << processor.in_flight() << " windows were not predicted within 30 s\n";
    return 1;
  }
  return 0;
}

}  // namespace storefuse::infer::cli
