// stream.yaml: what `storefuse-infer stream` reads, validated like every
// storefuse config (unknown keys with a did-you-mean, types, ranges, each
// error naming file:line). docs/streaming.md lists every key; kDefaults in
// stream_config.cpp is the schema and the defaults.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "message.h"
#include "window.h"

namespace storefuse::infer::stream {

struct MqttOptions {
  std::string host;  // "": no MQTT
  int port = 1883;
  std::string client_id;    // "": storefuse-stream-<host>-<pid>
  std::string share_group;  // "": this process takes every stream
  int qos = 1;
  int keepalive_s = 30;
};

struct VideoSource {  // a cv::VideoCapture URL or file, read as one stream's frames
  std::string stream, url;
  bool realtime = true;  // a file is read at its frame rate (false: as fast as it decodes)
};

struct EventOptions {
  bool behaviour_change = true;
  double high_engagement = 0.8;  // engagement at or above: HIGH_ENGAGEMENT
  double long_dwell_s = 120;     // predicted dwell at or above: LONG_DWELL
  std::string security_class = "concealment";
  double security_probability = 0.6;  // P(security_class) at or above: SECURITY_FLAG
};

struct StreamConfig {
  std::string source;  // the file, for messages
  std::filesystem::path model;
  WindowOptions window;
  double stream_timeout_s = 60;
  std::string prefix = "storefuse";
  MqttOptions mqtt;
  std::string socket;  // a Unix socket path; "": none
  std::vector<VideoSource> video;
  MessageLimits message_limits;
  int max_streams = 1000;
  double max_future_s = 10, max_past_s = 86400;
  size_t window_queue = 1024, output_queue = 10000;
  int max_batch = 64;
  double max_delay_ms = 2;
  int model_workers = 1, feature_threads = 1;
  std::filesystem::path predictions, events, late;  // JSONL files; empty: not written
  bool publish_events = true, publish_predictions = false;
  EventOptions events_options;
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;  // -1: no /metrics; 0: any free port
};

// defaults < file < sets ("window.hop_s=0.5"); relative paths are taken
// from the file's folder. Throws Error(Config) naming file:line and the key.
StreamConfig load_stream_config(const std::filesystem::path& file, const std::vector<std::string>& sets = {});

// The built-in defaults, as YAML (the schema of the file).
const std::string& stream_config_defaults();

}  // namespace storefuse::infer::stream
