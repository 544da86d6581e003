#include "stream_config.h"

#include <algorithm>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"

namespace storefuse::infer::stream {

namespace {

const std::string kDefaults = R"(# storefuse-infer stream: the defaults (docs/streaming.md)
model: ""                  # an ONNX model exported by storefuse export (it carries the feature spec)
window:
  length_s: 4.0            # the video's lookback; frames in [end - length_s, end)
  hop_s: 1.0               # a window ends every hop_s (seconds on the Unix time grid)
  text_lookback_s: 4.0     # POS lines in [end - text_lookback_s, end)
  deadline_s: 2.0          # wall seconds after the leading source passed a window's end
  idle_lag_s:              # a source this far behind the leading one (event seconds) is idle
    visual: 2.0
    audio: 2.0
    text: 0.5              # sparse POS lines do not hold windows back
    sensor: 3.0
  idle_wall_s: 5.0         # a source silent this long (wall time) is idle
  stream_timeout_s: 60.0   # a stream silent this long is flushed and forgotten
  late: count              # count | revise
  allowed_lateness_s: 0.0  # with late: revise, closed windows this recent are revised
  out_of_order_s:
    visual: 0.25
    audio: 0.25
    text: 1.0
    sensor: 1.0
  max_items: 20000         # per source buffer; past it the oldest items go (counted)
inputs:
  prefix: storefuse        # topics PREFIX/STORE/CAMERA/{frame,audio,pos,sensor}
  mqtt:
    host: ""               # "": no broker
    port: 1883
    client_id: ""
    share_group: ""        # scale-out: processes of one group share the streams
    qos: 1
    keepalive_s: 30
  socket: ""               # a Unix socket path taking the same messages
  video: []                # [{stream: STORE/CAMERA, url: FILE-or-URL, realtime: true}]
limits:
  max_streams: 1000
  max_message_bytes: 1048576
  max_future_s: 10.0       # a ts further ahead of this machine's clock is refused
  max_past_s: 86400.0      # ... and one older than this
  window_queue: 1024       # windows waiting for features; past it: dropped (counted)
  output_queue: 10000      # records waiting for the writer; past it: dropped (counted)
batch:
  max_batch: 64            # windows of many streams run as one batch
  max_delay_ms: 2.0        # how long a model worker waits to fill a batch
  workers: 1               # model workers (one Session each)
features:
  threads: 1
outputs:
  predictions: ""          # JSONL, one record per window
  events: ""               # JSONL, one line per event
  late: ""                 # JSONL, the late items' side output
  publish_events: true     # to PREFIX/STORE/CAMERA/events (QoS 1), when MQTT is on
  publish_predictions: false
events:
  behaviour_change: true
  high_engagement: 0.8
  long_dwell_s: 120.0
  security_flag:
    class: concealment
    min_probability: 0.6
metrics:
  host: 127.0.0.1
  port: -1                 # -1: off, 0: any free port
)";

[[noreturn]] void fail(const config::Node& at, const std::string& problem, const std::string& fix = {}) {
  throw Error(ErrorKind::Config, "'" + at.path() + "' " + problem, at.origin().str(), fix);
}

std::filesystem::path path_from(const config::Node& n, const std::filesystem::path& dir) {
  const std::string s = n.as_string();
  if (s.empty()) return {};
  std::filesystem::path p(s);
  return p.is_absolute() || dir.empty() ? p : dir / p;
}

}  // namespace

const std::string& stream_config_defaults() { return kDefaults; }

StreamConfig load_stream_config(const std::filesystem::path& file, const std::vector<std::string>& sets) {
  static const config::Node schema = config::parse_string(kDefaults, "stream defaults");
  config::Node cfg;
  try {
    cfg = config::merge(schema, config::parse_file(file));
    for (const std::string& s : sets) cfg = config::apply_set(cfg, s, &schema);
    config::validate(cfg, schema);
  } catch (const Error& e) {  // the toolkit's hint names its own defaults file
    std::string fix = e.fix();
    const size_t at = fix.find("configs/defaults.yaml");
    if (at != std::string::npos) fix = "run 'storefuse-infer stream --print-defaults' for every key";
    throw Error(e.kind(), e.problem(), e.where(), fix);
  }
  const std::filesystem::path dir = file.parent_path();

  StreamConfig c;
  c.source = file.string();
  c.model = path_from(cfg["model"], dir);
  if (c.model.empty()) fail(cfg["model"], "is empty", "name the ONNX model to run (storefuse export writes one)");

  const config::Node& w = cfg["window"];
  c.window.length_s = w["length_s"].as_positive_double();
  c.window.hop_s = w["hop_s"].as_positive_double();
  c.window.text_lookback_s = w["text_lookback_s"].as_positive_double();
  c.window.deadline_s = w["deadline_s"].as_double(0.0);
  c.window.idle_wall_s = w["idle_wall_s"].as_positive_double();
  c.stream_timeout_s = w["stream_timeout_s"].as_positive_double();
  c.window.late = w["late"].as_choice({"count", "revise"}) == "revise" ? LatePolicy::Revise : LatePolicy::Count;
  c.window.allowed_lateness_s = w["allowed_lateness_s"].as_double(0.0);
  if (c.window.late == LatePolicy::Count && c.window.allowed_lateness_s > 0)
    fail(w["allowed_lateness_s"], "is set but late is 'count'", "set window.late: revise to revise closed windows");
  const char* names[kModalities] = {"visual", "audio", "text", "sensor"};
  for (int m = 0; m < kModalities; ++m) {
    c.window.out_of_order_s[static_cast<size_t>(m)] = w["out_of_order_s"][names[m]].as_double(0.0);
    c.window.idle_lag_s[static_cast<size_t>(m)] = w["idle_lag_s"][names[m]].as_positive_double();
  }
  c.window.max_items = static_cast<size_t>(w["max_items"].as_int(16));
  if (c.stream_timeout_s < c.window.idle_wall_s)
    fail(w["stream_timeout_s"], "is shorter than window.idle_wall_s", "a stream times out after its sources went idle");

  const config::Node& in = cfg["inputs"];
  c.prefix = in["prefix"].as_string();
  if (c.prefix.empty() || c.prefix.find_first_of("+#") != std::string::npos || c.prefix.back() == '/')
    fail(in["prefix"], "is not a topic prefix", "a topic without wildcards or a trailing '/', as storefuse or acme/stores");
  const config::Node& mq = in["mqtt"];
  c.mqtt.host = mq["host"].as_string();
  c.mqtt.port = static_cast<int>(mq["port"].as_int(1, 65535));
  c.mqtt.client_id = mq["client_id"].as_string();
  c.mqtt.share_group = mq["share_group"].as_string();
  if (c.mqtt.share_group.find_first_of("/+#") != std::string::npos)
    fail(mq["share_group"], "holds '/', '+' or '#'", "a plain name, as stream-workers");
  c.mqtt.qos = static_cast<int>(mq["qos"].as_int(0, 1));
  c.mqtt.keepalive_s = static_cast<int>(mq["keepalive_s"].as_int(5, 3600));
  c.socket = path_from(in["socket"], dir).string();
  for (const config::Node& v : in["video"].elements()) {
    v.check_keys({"stream", "url", "realtime"});
    VideoSource s;
    s.stream = v["stream"].as_string();
    if (std::count(s.stream.begin(), s.stream.end(), '/') != 1 || s.stream.front() == '/' || s.stream.back() == '/')
      fail(v["stream"], "is not STORE/CAMERA");
    s.url = v["url"].as_string();
    if (s.url.empty()) fail(v["url"], "is empty", "a video file or a URL cv::VideoCapture opens");
    if (s.url.find("://") == std::string::npos) s.url = path_from(v["url"], dir).string();
    if (v.has("realtime")) s.realtime = v["realtime"].as_bool();
    c.video.push_back(std::move(s));
  }
  if (!c.mqtt.share_group.empty()) {
    if (c.mqtt.host.empty()) fail(mq["share_group"], "is set without inputs.mqtt.host", "a group shares streams through a broker");
    c.window.keep_s = std::max(10.0, 4 * c.window.deadline_s);  // what a standby keeps to take a stream over
  }
  if (c.mqtt.host.empty() && c.socket.empty() && c.video.empty())
    fail(in, "names no input", "set inputs.mqtt.host, inputs.socket or inputs.video");

  const config::Node& l = cfg["limits"];
  c.max_streams = static_cast<int>(l["max_streams"].as_int(1, 1000000));
  c.message_limits.max_bytes = static_cast<size_t>(l["max_message_bytes"].as_int(1024, int64_t(256) << 20));
  c.max_future_s = l["max_future_s"].as_double(0.0);
  c.max_past_s = l["max_past_s"].as_positive_double();
  c.window_queue = static_cast<size_t>(l["window_queue"].as_int(1));
  c.output_queue = static_cast<size_t>(l["output_queue"].as_int(1));

  const config::Node& b = cfg["batch"];
  c.max_batch = static_cast<int>(b["max_batch"].as_int(1, 4096));
  c.max_delay_ms = b["max_delay_ms"].as_double(0.0, 1000.0);
  c.model_workers = static_cast<int>(b["workers"].as_int(1, 256));
  c.feature_threads = static_cast<int>(cfg["features"]["threads"].as_int(1, 256));

  const config::Node& o = cfg["outputs"];
  c.predictions = path_from(o["predictions"], dir);
  c.events = path_from(o["events"], dir);
  c.late = path_from(o["late"], dir);
  c.publish_events = o["publish_events"].as_bool();
  c.publish_predictions = o["publish_predictions"].as_bool();

  const config::Node& e = cfg["events"];
  c.events_options.behaviour_change = e["behaviour_change"].as_bool();
  c.events_options.high_engagement = e["high_engagement"].as_double();
  c.events_options.long_dwell_s = e["long_dwell_s"].as_double(0.0);
  c.events_options.security_class = e["security_flag"]["class"].as_string();
  c.events_options.security_probability = e["security_flag"]["min_probability"].as_double(0.0, 1.0);

  c.metrics_host = cfg["metrics"]["host"].as_string();
  c.metrics_port = static_cast<int>(cfg["metrics"]["port"].as_int(-1, 65535));
  return c;
}

}  // namespace storefuse::infer::stream
