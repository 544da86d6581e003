// Progress reporting for long work. On a terminal (stderr is a TTY) it draws
// a bar with rate and ETA, redrawn at most 10 times a second; otherwise it
// prints a plain line every `plain_interval_s` seconds and one at the end.
//
//   storefuse::Progress p("datagen", n_samples, "samples");
//   for (...) { ...; p.advance(); }
//   p.finish();
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace storefuse {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit = "it");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t n = 1);       // thread-safe
  void set_status(std::string text);  // e.g. "loss 0.412"; thread-safe
  void finish();

  // For tests: force plain mode or TTY mode, and the plain-mode interval.
  static void set_mode_for_testing(int tty /* -1 auto, 0 plain, 1 tty */,
                                   double plain_interval_s = 10.0);
  std::string render_line() const;   // current line, without control chars

 private:
  void maybe_draw(bool force);
  using clock = std::chrono::steady_clock;
  std::string label_, unit_, status_;
  int64_t total_, done_ = 0;
  clock::time_point start_, last_draw_;
  bool tty_, finished_ = false;
  double plain_interval_s_;
  mutable std::mutex mu_;
};

// "1.2k", "3.4M"... and "1h02m", "3m05s", "12.3s".
std::string format_count(double v);
std::string format_duration(double seconds);

}  // namespace storefuse
