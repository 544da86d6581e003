#include "storefuse/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace storefuse {
namespace {

int g_force_tty = -1;
double g_plain_interval_s = 10.0;

}  // namespace

std::string format_count(double v) {
  char buf[32];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.1fG", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (v >= 1e4) std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else if (v >= 100 || v == std::floor(v)) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string format_duration(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(std::fmod(s, 3600) / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(std::fmod(s, 60)));
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  }
  return buf;
}

void Progress::set_mode_for_testing(int tty, double plain_interval_s) {
  g_force_tty = tty;
  g_plain_interval_s = plain_interval_s;
}

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(clock::now()), last_draw_(start_),
      tty_(g_force_tty >= 0 ? g_force_tty == 1 : ::isatty(STDERR_FILENO) == 1),
      plain_interval_s_(g_plain_interval_s) {}

Progress::~Progress() { finish(); }

void Progress::advance(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ += n;
  maybe_draw(false);
}

void Progress::set_status(std::string text) {
  std::lock_guard<std::mutex> lock(mu_);
  status_ = std::move(text);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  maybe_draw(true);
  if (tty_) std::fputc('\n', stderr);
  finished_ = true;
}

std::string Progress::render_line() const {
  double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  std::string line = label_ + " ";
  char buf[64];
  if (total_ > 0) {
    double frac = std::min(1.0, double(done_) / double(total_));
    if (tty_) {
      const int width = 24;
      int filled = int(frac * width);
      line += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    }
    std::snprintf(buf, sizeof buf, "%3.0f%% ", frac * 100.0);
    line += buf;
    line += format_count(double(done_)) + "/" + format_count(double(total_)) + " " + unit_;
    double eta = rate > 0 ? (total_ - done_) / rate : NAN;
    line += " | " + format_count(rate) + " " + unit_ + "/s | " + format_duration(elapsed) +
            " elapsed, ETA " + format_duration(done_ >= total_ ? 0.0 : eta);
  } else {
    line += format_count(double(done_)) + " " + unit_ + " | " + format_count(rate) + " " +
            unit_ + "/s | " + format_duration(elapsed);
  }
  if (!status_.empty()) line += " | " + status_;
  return line;
}

void Progress::maybe_draw(bool force) {
  if (finished_) return;
  auto now = clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  if (tty_) {
    if (!force && since < 0.1) return;
    std::fprintf(stderr, "\r\033[K%s", render_line().c_str());
  } else {
    if (!force && since < plain_interval_s_) return;
    std::fprintf(stderr, "%s\n", render_line().c_str());
  }
  std::fflush(stderr);
  last_draw_ = now;
}

}  // namespace storefuse
