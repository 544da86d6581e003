// serve_loadgen: an open-loop HTTP/1.1 load generator for the v2 infer route.
//
// Requests arrive at a fixed rate whatever the server does (Poisson or
// uniform spacing), each sent at its intended time on a free keep-alive
// connection; a busy server makes requests wait, never slows the arrivals.
// Latency is measured from the intended send time, so the time a request
// waits for a connection counts (no coordinated omission). One thread, one
// io_context: pin it with `taskset -c 0` and the server elsewhere.
// --busy-poll spins on that core instead of sleeping between requests, so
// that waking from idle (milliseconds on some virtual machines) does not
// delay the sends; send_lag_p99_ms in the output shows how late they went.
//
//   serve_loadgen --port 8000 --path /v2/models/seed/infer --body req.json
//       [--header 'K: V']... --rate 500 --duration 5
//   serve_loadgen ... --find-max-rate --p99-ms 10 [--step-s 3]
//
// A run prints one JSON line: rate, duration, sent, ok (2xx), status counts,
// errors, timeouts, late (found no free connection at the connection cap),
// latency percentiles of the 2xx responses and achieved throughput.
// --find-max-rate doubles the rate until a step fails, then bisects; a step
// passes when its p99 is under --p99-ms and at most --max-fail-frac of its
// requests failed (a non-2xx answer, an error or a timeout); a step that has
// certainly failed stops early ("aborted": true). It prints every step's line
// and then the highest passing rate. The first rate is half the capacity that
// 20 back-to-back requests suggest, unless --start-rate says otherwise.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr uint64_t kBodyLimit = uint64_t{64} << 20;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string path = "/v2/models/seed/infer";
  std::string method;  // default: POST with a body, GET without
  std::string body_file;
  std::vector<std::string> headers;
  double rate = 100;
  double duration_s = 5;
  double warmup_s = 0.5;  // at the rate, not counted
  bool poisson = true;
  int connections = 8;
  int max_connections = 64;
  double timeout_s = 5;  // from the intended send time
  uint64_t seed = 1;
  bool probe_only = false;
  bool find_max_rate = false;
  double p99_ms = 10;
  double step_s = 3;
  double start_rate = 0;  // 0: from a short closed-loop calibration
  double min_rate = 1;
  double max_rate = 1e6;
  double precision = 0.05;  // stop bisecting when (hi - lo) / lo is below
  double max_fail_frac = 0.001;
  int max_steps = 14;
  double pause_s = 0.5;
  bool busy_poll = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "serve_loadgen: %s\n"
               "usage: serve_loadgen --port P [--host 127.0.0.1] [--path /v2/models/seed/infer] [--body FILE]\n"
               "         [--header 'K: V']... [--method POST] [--rate R] [--duration S] [--warmup S]\n"
               "         [--arrival poisson|uniform] [--connections C] [--max-connections M] [--timeout S] [--seed N]\n"
               "         [--busy-poll]\n"
               "       serve_loadgen ... --find-max-rate [--p99-ms 10] [--step-s 3] [--start-rate R] [--min-rate R]\n"
               "         [--max-rate R] [--precision 0.05] [--max-fail-frac 0.001] [--max-steps 14] [--pause S]\n"
               "       serve_loadgen ... --probe   (one request: print its status and body, exit 0 on 2xx)\n",
               why.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&]() {
      const std::string v = value();
      char* end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !std::isfinite(x)) usage(a + ": '" + v + "' is not a number");
      return x;
    };
    if (a == "--host") o.host = value();
    else if (a == "--port") o.port = static_cast<int>(number());
    else if (a == "--path") o.path = value();
    else if (a == "--method") o.method = value();
    else if (a == "--body") o.body_file = value();
    else if (a == "--header") o.headers.push_back(value());
    else if (a == "--rate") o.rate = number();
    else if (a == "--duration") o.duration_s = number();
    else if (a == "--warmup") o.warmup_s = number();
    else if (a == "--arrival") {
      const std::string v = value();
      if (v != "poisson" && v != "uniform") usage("--arrival is poisson or uniform");
      o.poisson = v == "poisson";
    } else if (a == "--connections") o.connections = static_cast<int>(number());
    else if (a == "--max-connections") o.max_connections = static_cast<int>(number());
    else if (a == "--timeout") o.timeout_s = number();
    else if (a == "--seed") o.seed = static_cast<uint64_t>(number());
    else if (a == "--probe") o.probe_only = true;
    else if (a == "--find-max-rate") o.find_max_rate = true;
    else if (a == "--p99-ms") o.p99_ms = number();
    else if (a == "--step-s") o.step_s = number();
    else if (a == "--start-rate") o.start_rate = number();
    else if (a == "--min-rate") o.min_rate = number();
    else if (a == "--max-rate") o.max_rate = number();
    else if (a == "--precision") o.precision = number();
    else if (a == "--max-fail-frac") o.max_fail_frac = number();
    else if (a == "--max-steps") o.max_steps = static_cast<int>(number());
    else if (a == "--pause") o.pause_s = number();
    else if (a == "--busy-poll") o.busy_poll = true;
    else if (a == "--help" || a == "-h") usage("help");
    else usage("unknown option " + a);
  }
  if (o.port <= 0 || o.port > 65535) usage("--port is 1..65535");
  if (o.rate <= 0 || o.duration_s <= 0 || o.step_s <= 0 || o.warmup_s < 0) usage("rates and durations must be positive");
  if (o.connections < 1 || o.max_connections < o.connections) usage("need 1 <= --connections <= --max-connections");
  if (o.timeout_s <= 0) usage("--timeout must be positive");
  if (o.min_rate <= 0 || o.max_rate < o.min_rate) usage("need 0 < --min-rate <= --max-rate");
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The request as bytes on the wire, serialized once and written as is.
std::string wire_request(const Options& o) {
  std::string body = o.body_file.empty() ? std::string() : read_file(o.body_file);
  const std::string method = !o.method.empty() ? o.method : (o.body_file.empty() ? "GET" : "POST");
  std::string head = method + " " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) + "\r\n";
  bool content_type = false;
  for (const std::string& h : o.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) usage("--header '" + h + "' is not 'Name: value'");
    std::string name = h.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name == "content-length" || name == "host") usage("--header " + name + " is set by serve_loadgen");
    content_type = content_type || name == "content-type";
    head += h + "\r\n";
  }
  if (!body.empty() && !content_type) head += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return head + "\r\n" + body;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Nearest rank on sorted values.
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string json_number(double x, int decimals = 3) {
  if (!std::isfinite(x)) return "null";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, x);
  return text;
}

struct StepResult {
  double rate = 0;
  double duration_s = 0;
  bool poisson = true;
  int64_t sent = 0;  // requests past the warm-up that became due (sent, or waited for a connection)
  int64_t ok = 0;
  std::map<int, int64_t> status;
  int64_t errors = 0;
  int64_t timeouts = 0;
  int64_t late = 0;
  int64_t connections_opened = 0;
  int64_t unfinished = 0;  // in flight or waiting when an aborted step stopped
  bool aborted = false;
  std::vector<double> latency_ms;  // 2xx, sorted
  std::vector<double> send_lag_ms; // actual send minus intended, sorted
  double throughput_rps = 0;

  int64_t failed() const { return sent - ok; }
  double p99() const { return percentile(latency_ms, 0.99); }
  bool passes(double p99_ms, double max_fail_frac) const {
    return ok > 0 && p99() < p99_ms && static_cast<double>(failed()) <= max_fail_frac * static_cast<double>(sent);
  }

  std::string json() const {
    std::string s = "{\"rate\":" + json_number(rate, 1) + ",\"duration_s\":" + json_number(duration_s, 1) +
                    ",\"arrival\":\"" + (poisson ? "poisson" : "uniform") + "\",\"sent\":" + std::to_string(sent) +
                    ",\"ok\":" + std::to_string(ok) + ",\"status\":{";
    for (auto it = status.begin(); it != status.end(); ++it)
      s += (it == status.begin() ? "\"" : ",\"") + std::to_string(it->first) + "\":" + std::to_string(it->second);
    double mean = 0;
    for (double x : latency_ms) mean += x;
    mean = latency_ms.empty() ? NAN : mean / static_cast<double>(latency_ms.size());
    s += "},\"errors\":" + std::to_string(errors) + ",\"timeouts\":" + std::to_string(timeouts) +
         ",\"late\":" + std::to_string(late) + ",\"connections_opened\":" + std::to_string(connections_opened) +
         (aborted ? ",\"aborted\":true,\"unfinished\":" + std::to_string(unfinished) : std::string()) +
         ",\"p50_ms\":" + json_number(percentile(latency_ms, 0.5)) +
         ",\"p90_ms\":" + json_number(percentile(latency_ms, 0.9)) + ",\"p99_ms\":" + json_number(p99()) +
         ",\"p999_ms\":" + json_number(percentile(latency_ms, 0.999)) +
         ",\"max_ms\":" + json_number(latency_ms.empty() ? NAN : latency_ms.back()) +
         ",\"mean_ms\":" + json_number(mean) + ",\"send_lag_p99_ms\":" + json_number(percentile(send_lag_ms, 0.99)) +
         ",\"throughput_rps\":" + json_number(throughput_rps, 1) + "}";
    return s;
  }
};

// When a step of --find-max-rate has certainly failed, it stops there: more
// than 1% of its requests answered at or past the p99 target, or more than
// max_fail_frac failed.
struct AbortWhen {
  double p99_ms;
  double max_fail_frac;
};

// One open-loop run at one rate, on its own io_context and connections.
class OpenLoopRun {
 public:
  OpenLoopRun(const Options& o, const tcp::endpoint& endpoint, const std::string& request, double rate,
              double duration_s, std::optional<AbortWhen> abort_when = std::nullopt)
      : o_(o), endpoint_(endpoint), request_(request), rate_(rate), duration_s_(duration_s),
        abort_when_(abort_when), tick_(io_) {
    std::mt19937_64 rng(o.seed);
    std::exponential_distribution<double> gap(rate);
    const double span_s = o.warmup_s + duration_s;
    for (double t = 0;; ) {
      t += o.poisson ? gap(rng) : 1.0 / rate;
      if (t >= span_s) break;
      offsets_s_.push_back(t);
      if (t >= o.warmup_s) ++planned_;
    }
    requests_.resize(offsets_s_.size());
  }

  StepResult run() {
    for (int i = 0; i < o_.connections; ++i) {
      auto c = std::make_unique<Connection>(io_);
      c->socket.connect(endpoint_);  // throws: the server is not there
      c->socket.set_option(tcp::no_delay(true));
      c->open = true;
      idle_.push_back(c.get());
      connections_.push_back(std::move(c));
    }
    open_ = o_.connections;
    start_ = Clock::now() + std::chrono::milliseconds(20);
    measured_from_ = start_ + to_duration(o_.warmup_s);
    for (size_t i = 0; i < requests_.size(); ++i) requests_[i].intended = start_ + to_duration(offsets_s_[i]);
    if (requests_.empty()) return summarize();
    arm_tick();
    if (o_.busy_poll) {
      for (io_.poll(); !io_.stopped(); io_.poll()) {}
    } else {
      io_.run();
    }
    return summarize();
  }

 private:
  enum class State { Scheduled, Pending, InFlight, Done };
  struct Request {
    Clock::time_point intended, sent, done;
    State state = State::Scheduled;
    bool late = false;
    int status = 0;  // 0: an error or a timeout
    bool timed_out = false;
  };
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io), deadline(io) {}
    tcp::socket socket;
    asio::steady_timer deadline;
    boost::beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    bool open = false;
    size_t request = SIZE_MAX;  // in flight, or SIZE_MAX
  };

  static Clock::duration to_duration(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  void arm_tick() {
    tick_.expires_at(requests_[next_].intended);
    tick_.async_wait([this](error_code ec) {
      if (ec) return;
      const auto now = Clock::now();
      while (next_ < requests_.size() && requests_[next_].intended <= now) arrive(next_++);
      if (next_ < requests_.size()) arm_tick();
    });
  }

  void arrive(size_t i) {
    if (!idle_.empty()) {
      Connection* c = idle_.back();
      idle_.pop_back();
      send(c, i);
      return;
    }
    requests_[i].state = State::Pending;
    pending_.push_back(i);
    if (pending_.size() <= static_cast<size_t>(connecting_)) return;  // a connection on its way takes it
    if (open_ < o_.max_connections) {
      open_connection();
    } else {
      requests_[i].late = true;
    }
  }

  void open_connection() {
    ++open_;
    ++connecting_;
    ++opened_;
    connections_.push_back(std::make_unique<Connection>(io_));
    Connection* c = connections_.back().get();
    c->socket.async_connect(endpoint_, [this, c](error_code ec) {
      --connecting_;
      if (done_) return;
      if (ec) {
        --open_;
        // A server that refuses must not leave requests waiting for ever.
        if (!pending_.empty()) {
          const size_t i = pending_.front();
          pending_.pop_front();
          finish(i, 0, false);
        }
        return;
      }
      c->socket.set_option(tcp::no_delay(true));
      c->open = true;
      release(c);
    });
  }

  // A connection that is free takes the oldest waiting request, or goes idle.
  void release(Connection* c) {
    while (!pending_.empty()) {
      const size_t i = pending_.front();
      pending_.pop_front();
      if (Clock::now() >= requests_[i].intended + to_duration(o_.timeout_s)) {
        finish(i, 0, true);
        continue;
      }
      send(c, i);
      return;
    }
    idle_.push_back(c);
  }

  void send(Connection* c, size_t i) {
    Request& r = requests_[i];
    r.state = State::InFlight;
    r.sent = Clock::now();
    c->request = i;
    c->deadline.expires_at(r.intended + to_duration(o_.timeout_s));
    c->deadline.async_wait([this, c, i](error_code ec) {
      if (ec || c->request != i) return;
      finish(i, 0, true);
      drop(c);
    });
    asio::async_write(c->socket, asio::buffer(request_), [this, c, i](error_code ec, size_t) {
      if (c->request != i) return;
      if (ec) return fail(c, i);
      c->parser.emplace();
      c->parser->body_limit(kBodyLimit);
      http::async_read(c->socket, c->buffer, *c->parser, [this, c, i](error_code ec, size_t) {
        if (c->request != i) return;
        if (ec) return fail(c, i);
        c->request = SIZE_MAX;
        c->deadline.cancel();
        const bool keep_alive = c->parser->get().keep_alive();
        finish(i, c->parser->get().result_int(), false);
        if (keep_alive && !done_) release(c);
        else drop(c);
      });
    });
  }

  void fail(Connection* c, size_t i) {
    finish(i, 0, false);
    drop(c);
  }

  void drop(Connection* c) {
    c->request = SIZE_MAX;
    c->deadline.cancel();
    if (c->open) {
      error_code ignored;
      c->socket.close(ignored);
      c->open = false;
      --open_;
    }
    // Requests still waiting get a new connection.
    if (!done_ && pending_.size() > static_cast<size_t>(connecting_) && open_ < o_.max_connections) open_connection();
  }

  void finish(size_t i, int status, bool timed_out) {
    if (done_) return;
    Request& r = requests_[i];
    r.state = State::Done;
    r.done = Clock::now();
    r.status = status;
    r.timed_out = timed_out;
    if (abort_when_ && r.intended >= measured_from_) {
      if (status < 200 || status >= 300) ++failed_;
      else if (ms_between(r.intended, r.done) >= abort_when_->p99_ms) ++slow_;
      if (slow_ > static_cast<int64_t>(0.01 * static_cast<double>(planned_)) ||
          static_cast<double>(failed_) > abort_when_->max_fail_frac * static_cast<double>(planned_)) {
        aborted_ = true;
        return stop();
      }
    }
    if (++finished_ == requests_.size()) stop();
  }

  void stop() {
    done_ = true;
    tick_.cancel();
    for (auto& c : connections_) {
      c->request = SIZE_MAX;
      c->deadline.cancel();
      error_code ignored;
      c->socket.close(ignored);
    }
  }

  StepResult summarize() const {
    StepResult s;
    s.rate = rate_;
    s.duration_s = duration_s_;
    s.poisson = o_.poisson;
    s.connections_opened = opened_;
    s.aborted = aborted_;
    Clock::time_point last_done = measured_from_;
    for (const Request& r : requests_) {
      if (r.intended < measured_from_ || r.state == State::Scheduled) continue;
      ++s.sent;
      if (r.state != State::Done) {
        ++s.unfinished;
        continue;
      }
      if (r.late) ++s.late;
      if (r.timed_out) ++s.timeouts;
      else if (r.status == 0) ++s.errors;
      else ++s.status[r.status];
      if (r.status >= 200 && r.status < 300) {
        ++s.ok;
        s.latency_ms.push_back(ms_between(r.intended, r.done));
        s.send_lag_ms.push_back(ms_between(r.intended, r.sent));
        last_done = std::max(last_done, r.done);
      }
    }
    std::sort(s.latency_ms.begin(), s.latency_ms.end());
    std::sort(s.send_lag_ms.begin(), s.send_lag_ms.end());
    const double window_s = std::chrono::duration<double>(last_done - measured_from_).count();
    s.throughput_rps = window_s > 0 ? static_cast<double>(s.ok) / window_s : 0;
    return s;
  }

  const Options& o_;
  tcp::endpoint endpoint_;
  const std::string& request_;
  double rate_, duration_s_;
  std::optional<AbortWhen> abort_when_;
  int64_t planned_ = 0, slow_ = 0, failed_ = 0;
  bool aborted_ = false;
  asio::io_context io_;
  asio::steady_timer tick_;
  std::vector<double> offsets_s_;
  std::vector<Request> requests_;
  std::vector<std::unique_ptr<Connection>> connections_;  // kept to the end: handlers hold raw pointers
  std::vector<Connection*> idle_;
  std::deque<size_t> pending_;
  Clock::time_point start_, measured_from_;
  size_t next_ = 0, finished_ = 0;
  int open_ = 0, connecting_ = 0;
  int64_t opened_ = 0;
  bool done_ = false;
};

struct ProbeResult {
  int status = 0;
  std::string body;
  double median_ms = 0;
};

// `count` requests one after another on one connection: the first one's
// answer, and the median latency of the rest (a guess at the service time).
ProbeResult probe(const tcp::endpoint& endpoint, const std::string& request, int count) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(endpoint);
  socket.set_option(tcp::no_delay(true));
  boost::beast::flat_buffer buffer;
  ProbeResult result;
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    asio::write(socket, asio::buffer(request));
    http::response_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    http::read(socket, buffer, parser);
    if (i > 0) ms.push_back(ms_between(start, Clock::now()));
    if (i == 0) {
      result.status = parser.get().result_int();
      result.body = parser.get().body();
      if (result.status < 200 || result.status >= 300) break;
    }
    if (!parser.get().keep_alive()) break;
  }
  std::sort(ms.begin(), ms.end());
  result.median_ms = ms.empty() ? NAN : ms[ms.size() / 2];
  return result;
}

void emit(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

int find_max_rate(const Options& o, const tcp::endpoint& endpoint, const std::string& request, double service_ms) {
  double rate = o.start_rate;
  if (rate <= 0) rate = std::isfinite(service_ms) && service_ms > 0 ? 0.5 * 1000.0 / service_ms : 100;
  rate = std::clamp(std::round(rate), o.min_rate, o.max_rate);
  double lo = 0, hi = INFINITY;  // highest passing, lowest failing
  std::optional<StepResult> best;
  int steps = 0;
  while (steps < o.max_steps) {
    if (steps > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.pause_s));
    StepResult r = OpenLoopRun(o, endpoint, request, rate, o.step_s, AbortWhen{o.p99_ms, o.max_fail_frac}).run();
    ++steps;
    const bool pass = !r.aborted && r.passes(o.p99_ms, o.max_fail_frac);
    emit("{\"step\":" + std::to_string(steps) + ",\"pass\":" + (pass ? "true" : "false") + "," + r.json().substr(1));
    if (pass) {
      lo = rate;
      best = std::move(r);
    } else {
      hi = rate;
    }
    double next;
    if (std::isinf(hi)) {
      if (rate >= o.max_rate) break;
      next = std::min(o.max_rate, rate * 2);
    } else if (lo == 0) {
      if (rate <= o.min_rate) break;
      next = std::max(o.min_rate, rate / 2);
    } else {
      if ((hi - lo) / lo <= o.precision) break;
      next = (lo + hi) / 2;
    }
    next = std::round(next);
    if (next == lo || next == hi) break;
    rate = next;
  }
  emit("{\"mode\":\"find-max-rate\",\"p99_target_ms\":" + json_number(o.p99_ms, 3) +
       ",\"max_rate\":" + json_number(lo, 1) + ",\"failing_rate\":" + json_number(hi, 1) +
       ",\"p50_ms\":" + json_number(best ? percentile(best->latency_ms, 0.5) : NAN) +
       ",\"p99_ms\":" + json_number(best ? best->p99() : NAN) +
       ",\"throughput_rps\":" + json_number(best ? best->throughput_rps : NAN, 1) +
       ",\"service_ms\":" + json_number(service_ms) + ",\"steps\":" + std::to_string(steps) + "}");
  return best ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  try {
    const std::string request = wire_request(o);
    asio::io_context io;
    const tcp::endpoint endpoint = *tcp::resolver(io).resolve(o.host, std::to_string(o.port)).begin();
    const ProbeResult p = probe(endpoint, request, o.probe_only ? 1 : 21);
    if (o.probe_only) {
      std::printf("%d\n%s\n", p.status, p.body.c_str());
      return p.status >= 200 && p.status < 300 ? 0 : 1;
    }
    if (p.status < 200 || p.status >= 300) {
      std::fprintf(stderr, "serve_loadgen: the first request got HTTP %d: %.500s\n", p.status, p.body.c_str());
      return 1;
    }
    if (o.find_max_rate) return find_max_rate(o, endpoint, request, p.median_ms);
    emit(OpenLoopRun(o, endpoint, request, o.rate, o.duration_s).run().json());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_loadgen: %s\n", e.what());
    return 1;
  }
}
