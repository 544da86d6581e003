// StreamWindows (infer/stream/window.h) on a controlled clock: every wall
// time is t0 + milliseconds and every item's ts is chosen here, so each case
// is exact. It checks when windows close (every active source's watermark at
// the window's end; a source idle by event-time lag, per modality, or by wall
// silence left out and its modality absent; the deadline and incomplete[];
// flush), late items (counted, dropped, or revising closed windows), what a
// window holds (frames sampled to the visual params, audio on the sample grid
// and resampled, text joined in ts order, sensor rows through
// resample_window, each compared with the feature functions called
// directly), empty windows and long silences, and rewind with keep_s.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>
#include <vector>

#include "storefuse/features/audio_resample.h"
#include "storefuse/features/sensor.h"
#include "storefuse/features/visual.h"
#include "window.h"

namespace {

using namespace storefuse;
using infer::stream::CloseReason;
using infer::stream::ClosedWindow;
using infer::stream::LatePolicy;
using infer::stream::StreamWindows;
using infer::stream::WallClock;
using infer::stream::WindowOptions;

constexpr int kVisual = 0, kAudio = 1, kText = 2, kSensor = 3;
const WallClock::time_point t0 = WallClock::time_point{} + std::chrono::hours(1);

WallClock::time_point at(int ms) { return t0 + std::chrono::milliseconds(ms); }

const pipeline::PipelineParams& params() {
  static const pipeline::PipelineParams p;
  return p;
}

std::vector<uint8_t> frame(uint8_t value) {
  return std::vector<uint8_t>(static_cast<size_t>(params().visual.frame_pixels()), value);
}

std::vector<int64_t> indices(const std::vector<ClosedWindow>& c) {
  std::vector<int64_t> out;
  for (const auto& w : c) out.push_back(w.index);
  return out;
}

std::vector<int64_t> range(int64_t from, int64_t to) {  // [from, to]
  std::vector<int64_t> out;
  for (int64_t k = from; k <= to; ++k) out.push_back(k);
  return out;
}

const ClosedWindow& find(const std::vector<ClosedWindow>& c, int64_t index) {
  auto it = std::find_if(c.begin(), c.end(), [&](const ClosedWindow& w) { return w.index == index; });
  if (it == c.end()) throw std::runtime_error("window " + std::to_string(index) + " not closed");
  return *it;
}

// What a window of frames [end - length, end) should hold: the frames (ts,
// value) in it, in ts order, sampled by sample_frame_indices.
std::vector<uint8_t> expected_frames(std::vector<std::pair<double, uint8_t>> items, double end, double length) {
  std::sort(items.begin(), items.end());
  std::vector<uint8_t> values;
  for (const auto& [ts, v] : items)
    if (ts >= end - length && ts < end) values.push_back(v);
  const int T = params().visual.frames;
  const std::vector<int> pick = features::sample_frame_indices(static_cast<int>(values.size()), T);
  std::vector<uint8_t> out;
  for (int t = 0; t < T; ++t) {
    const std::vector<uint8_t> f = frame(values[static_cast<size_t>(pick[static_cast<size_t>(t)])]);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

// The defaults with one idle lag for every modality.
WindowOptions lag(double idle_lag_s) {
  WindowOptions o;
  o.idle_lag_s.fill(idle_lag_s);
  return o;
}

// Frames every 0.25 s over [from, to], all arriving at `now`.
void frames(StreamWindows& w, double from, double to, WallClock::time_point now, uint8_t value = 1) {
  for (double ts = from; ts <= to + 1e-9; ts += 0.25) w.add_frame(ts, frame(value), now);
}

TEST(StreamParams, DefaultsAreRetailSims) {
  EXPECT_EQ(params().visual.frames, 16);
  EXPECT_EQ(params().visual.frame_pixels(), 64 * 64);
  EXPECT_EQ(params().mfcc.sample_rate_hz, 16000);
  EXPECT_DOUBLE_EQ(params().clip_s, 1.0);
  EXPECT_EQ(params().sensor.num_channels(), 10);
  EXPECT_DOUBLE_EQ(params().sensor.window_s, 60.0);
  EXPECT_EQ(params().sensor.steps, 32);
}

TEST(StreamWindows, ClosesWhenEveryActiveWatermarkReachesTheEnd) {
  StreamWindows w(lag(5.0), params());
  EXPECT_EQ(w.watermark(kAudio), -std::numeric_limits<double>::infinity());
  w.add_frame(1000.1, frame(1), at(0));
  w.add_text(1000.2, "a", at(0));
  EXPECT_TRUE(w.poll(at(0)).empty());
  w.add_frame(1001.2, frame(2), at(100));
  EXPECT_DOUBLE_EQ(w.watermark(kVisual), 1001.2 - 0.25);
  EXPECT_TRUE(w.poll(at(100)).empty());
  w.add_frame(1001.25, frame(3), at(200));  // visual watermark exactly 1001; text's 999.2
  EXPECT_DOUBLE_EQ(w.watermark(kVisual), 1001.0);
  EXPECT_TRUE(w.poll(at(200)).empty());
  w.add_text(1001.9, "b", at(300));  // text 1000.9: still short of 1001
  EXPECT_TRUE(w.poll(at(300)).empty());
  w.add_text(1002.0, "c", at(400));  // text 1001.0
  const auto c = w.poll(at(400));
  ASSERT_EQ(indices(c), std::vector<int64_t>{1001});
  EXPECT_EQ(c[0].reason, CloseReason::Watermark);
  EXPECT_EQ(c[0].revision, 0);
  EXPECT_DOUBLE_EQ(c[0].end_s, 1001.0);
  EXPECT_DOUBLE_EQ(c[0].start_s, 997.0);
  EXPECT_EQ(c[0].closed, at(400));
  EXPECT_TRUE(c[0].media.present[kVisual]);
  EXPECT_TRUE(c[0].media.present[kText]);
  EXPECT_FALSE(c[0].media.present[kAudio]);
  EXPECT_EQ(c[0].media.text, "a");
  for (bool b : c[0].incomplete) EXPECT_FALSE(b);
  EXPECT_TRUE(w.poll(at(500)).empty());  // 1002 waits for both again
}

TEST(StreamWindows, SourceLaggingPastIdleLagIsIgnored) {
  StreamWindows w(lag(5.0), params());
  w.add_frame(1000.0, frame(1), at(0));
  w.add_text(1000.5, "pos", at(0));  // text watermark 999.5
  frames(w, 1000.25, 1004.25, at(0));  // visual 1004.0: 4.5 ahead
  EXPECT_FALSE(w.idle(kText, at(0)));
  EXPECT_TRUE(w.poll(at(0)).empty());
  frames(w, 1004.5, 1010.25, at(0));  // visual 1010.0: 10.5 ahead
  EXPECT_TRUE(w.idle(kText, at(0)));
  EXPECT_FALSE(w.idle(kVisual, at(0)));
  const auto c = w.poll(at(0));
  ASSERT_EQ(indices(c), range(1001, 1010));
  for (const auto& x : c) {
    EXPECT_EQ(x.reason, CloseReason::Watermark) << x.index;
    EXPECT_TRUE(x.media.present[kVisual]) << x.index;
    EXPECT_EQ(x.media.present[kText], x.index <= 1004) << x.index;  // 1000.5 in [end - 4, end)
  }
}

TEST(StreamWindows, IdleLagIsPerModality) {
  StreamWindows w(WindowOptions{}, params());  // idle_lag_s: visual 2, audio 2, text 0.5, sensor 3
  w.add_frame(1000.0, frame(1), at(0));
  w.add_text(1000.0, "pos", at(0));     // watermark 999.0
  w.add_sensor(1000.0, std::vector<float>(10, 1.0f), at(0));  // 999.0
  frames(w, 1000.25, 1001.25, at(0));  // visual 1001.0: both 2.0 behind
  EXPECT_TRUE(w.idle(kText, at(0)));
  EXPECT_FALSE(w.idle(kSensor, at(0)));
  EXPECT_TRUE(w.poll(at(0)).empty());  // the sensor holds 1001
  frames(w, 1001.5, 1002.25, at(0));  // visual 1002.0: the sensor 3.0 behind, not past it
  EXPECT_FALSE(w.idle(kSensor, at(0)));
  w.add_frame(1002.5, frame(1), at(0));  // 3.25 behind
  EXPECT_TRUE(w.idle(kSensor, at(0)));
  EXPECT_EQ(indices(w.poll(at(0))), range(1001, 1002));
}

TEST(StreamWindows, SourceSilentForIdleWallIsIgnored) {
  WindowOptions o = lag(100.0);  // only the wall clock makes it idle
  o.deadline_s = 100;
  StreamWindows w(o, params());
  w.add_frame(1000.0, frame(1), at(0));
  w.add_text(1000.5, "pos", at(0));
  frames(w, 1000.25, 1006.25, at(4000));
  EXPECT_TRUE(w.poll(at(4900)).empty());
  EXPECT_FALSE(w.idle(kText, at(5000)));  // silent exactly idle_wall_s: not yet
  EXPECT_TRUE(w.idle(kText, at(5001)));
  const auto c = w.poll(at(5001));
  ASSERT_EQ(indices(c), range(1001, 1006));
  for (const auto& x : c) {
    EXPECT_EQ(x.reason, CloseReason::Watermark) << x.index;
    EXPECT_EQ(x.media.present[kText], x.index <= 1004) << x.index;
  }
}

TEST(StreamWindows, DeadlineClosesWithoutTheLaggingSource) {
  StreamWindows w(lag(5.0), params());  // deadline_s 2
  w.add_frame(1000.0, frame(1), at(0));
  w.add_text(1000.2, "pos", at(0));  // text 999.2, active (2.05 behind)
  frames(w, 1000.25, 1001.5, at(0));  // visual 1001.25: passed 1001
  EXPECT_TRUE(w.poll(at(0)).empty());
  EXPECT_TRUE(w.poll(at(1999)).empty());
  EXPECT_FALSE(w.idle(kText, at(2000)));
  const auto c = w.poll(at(2000));
  ASSERT_EQ(indices(c), std::vector<int64_t>{1001});
  EXPECT_EQ(c[0].reason, CloseReason::Deadline);
  EXPECT_TRUE(c[0].incomplete[kText]);
  EXPECT_FALSE(c[0].incomplete[kVisual]);
  EXPECT_FALSE(c[0].incomplete[kAudio]);  // never seen: idle, not incomplete
  EXPECT_FALSE(c[0].incomplete[kSensor]);
  EXPECT_TRUE(c[0].media.present[kText]);
}

// The leading source passed the ends of 1001 and 1002 at the same wall time,
// so both are deadline_s past it at at(2000) (window.h: "deadline_s wall
// seconds after the leading source passed a window's end").
TEST(StreamWindows, DeadlineCountsFromWhenTheLeadingSourcePassedEachWindow) {
  StreamWindows w(lag(5.0), params());
  w.add_frame(1000.0, frame(1), at(0));
  w.add_text(1000.2, "pos", at(0));  // text 999.2: 3.05 behind, active
  frames(w, 1000.25, 1002.5, at(0));  // visual 1002.25: passed 1001 and 1002
  EXPECT_TRUE(w.poll(at(0)).empty());
  const auto c = w.poll(at(2000));
  EXPECT_EQ(indices(c), range(1001, 1002));
  for (const auto& x : c) EXPECT_EQ(x.reason, CloseReason::Deadline);
}

TEST(StreamWindows, LateItemsAreCountedAndDroppedWhenNoWindowNeedsThem) {
  StreamWindows w(WindowOptions{}, params());  // late: count, length_s 4
  frames(w, 1000.0, 1006.25, at(0));
  ASSERT_EQ(indices(w.poll(at(0))), range(1001, 1006));
  w.add_frame(1001.5, frame(50), at(10));  // windows 1002..1005: all closed
  EXPECT_EQ(w.counters().late_items, 1u);
  EXPECT_EQ(w.counters().late_dropped, 1u);
  w.add_frame(1004.6, frame(99), at(10));  // 1005 closed, but 1007 and 1008 still open
  EXPECT_EQ(w.counters().late_items, 2u);
  EXPECT_EQ(w.counters().late_dropped, 1u);
  w.add_frame(1006.5, frame(1), at(20));  // not late
  w.add_frame(1007.25, frame(1), at(20));
  EXPECT_EQ(w.counters().late_items, 2u);
  const auto c = w.poll(at(20));
  ASSERT_EQ(indices(c), std::vector<int64_t>{1007});
  std::vector<std::pair<double, uint8_t>> items{{1004.6, 99}, {1006.5, 1}, {1007.25, 1}};
  for (double ts = 1000.0; ts <= 1006.25; ts += 0.25) items.emplace_back(ts, 1);
  EXPECT_EQ(c[0].media.frames, expected_frames(items, 1007.0, 4.0));
  EXPECT_NE(std::count(c[0].media.frames.begin(), c[0].media.frames.end(), 99), 0);
  EXPECT_EQ(w.counters().revisions, 0u);
}

TEST(StreamWindows, ReviseEmitsARevisionHoldingTheLateItem) {
  WindowOptions o;
  o.length_s = 1.0;  // a frame belongs to one window
  o.late = LatePolicy::Revise;
  o.allowed_lateness_s = 5.0;
  StreamWindows w(o, params());
  std::vector<std::pair<double, uint8_t>> items;
  uint8_t v = 0;
  for (double ts = 1000.0; ts <= 1003.25; ts += 0.25) {
    items.emplace_back(ts, ++v);
    w.add_frame(ts, frame(v), at(0));
  }
  const auto first = w.poll(at(0));
  ASSERT_EQ(indices(first), range(1001, 1003));
  EXPECT_EQ(find(first, 1002).media.frames, expected_frames(items, 1002.0, 1.0));

  w.add_frame(1001.6, frame(200), at(10));  // window 1002's
  items.emplace_back(1001.6, 200);
  EXPECT_EQ(w.counters().late_items, 1u);
  EXPECT_EQ(w.counters().late_dropped, 0u);
  const auto c = w.poll(at(10));
  ASSERT_EQ(indices(c), std::vector<int64_t>{1002});
  EXPECT_EQ(c[0].revision, 1);
  EXPECT_EQ(c[0].media.frames, expected_frames(items, 1002.0, 1.0));
  EXPECT_NE(std::count(c[0].media.frames.begin(), c[0].media.frames.end(), 200), 0);
  EXPECT_EQ(w.counters().revisions, 1u);

  w.add_frame(1001.7, frame(201), at(20));
  const auto again = w.poll(at(20));
  ASSERT_EQ(indices(again), std::vector<int64_t>{1002});
  EXPECT_EQ(again[0].revision, 2);
}

TEST(StreamWindows, ReviseLeavesWindowsOlderThanTheAllowedLateness) {
  WindowOptions o;
  o.length_s = 1.0;
  o.late = LatePolicy::Revise;
  o.allowed_lateness_s = 1.0;
  StreamWindows w(o, params());
  frames(w, 1000.0, 1003.25, at(0));
  ASSERT_EQ(indices(w.poll(at(0))), range(1001, 1003));  // 1001 + 1 < 1003: no longer revisable
  w.add_frame(1000.5, frame(7), at(10));
  EXPECT_EQ(w.counters().late_items, 1u);
  EXPECT_EQ(w.counters().late_dropped, 1u);
  EXPECT_TRUE(w.poll(at(10)).empty());
  EXPECT_EQ(w.counters().revisions, 0u);
}

TEST(StreamWindows, FramesInTheWindowAreSampledToTheVisualParams) {
  StreamWindows w(WindowOptions{}, params());
  std::vector<std::pair<double, uint8_t>> items;
  for (int i = 0; i <= 10; ++i) {  // 999.5 .. 1004.5
    const double ts = 999.5 + 0.5 * i;
    items.emplace_back(ts, static_cast<uint8_t>(i + 1));
    w.add_frame(ts, frame(static_cast<uint8_t>(i + 1)), at(0));
  }
  const auto c = w.poll(at(0));
  ASSERT_EQ(indices(c), range(1000, 1004));
  const ClosedWindow& x = find(c, 1004);  // [1000, 1004): 8 frames, 999.5 and 1004.0 out
  EXPECT_DOUBLE_EQ(x.start_s, 1000.0);
  ASSERT_EQ(x.media.frames.size(), 16u * 64 * 64);
  EXPECT_EQ(x.media.frames, expected_frames(items, 1004.0, 4.0));
  EXPECT_EQ(x.media.frames.front(), 2);  // 1000.0 is in
  EXPECT_EQ(x.media.frames.back(), 9);   // 1003.5 the last
  EXPECT_EQ(find(c, 1000).media.frames, std::vector<uint8_t>(16u * 64 * 64, 1));  // one frame, repeated
}

TEST(StreamWindows, AudioChunkAtEndMinusClipFillsTheClip) {
  StreamWindows w(WindowOptions{}, params());
  std::vector<float> chunk(16000);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<float>(i) / 16000.0f - 0.5f;
  w.add_audio(1003.0, 16000, chunk, at(0));  // = end - clip_s of 1004
  w.add_audio(1004.0, 16000, std::vector<float>(16000, 0.9f), at(0));  // audio watermark 1004.75
  const auto c = w.poll(at(0));
  ASSERT_EQ(indices(c), std::vector<int64_t>{1004});
  EXPECT_TRUE(c[0].media.present[kAudio]);
  EXPECT_FALSE(c[0].media.present[kVisual]);
  EXPECT_EQ(c[0].media.audio, chunk);
}

TEST(StreamWindows, AudioGapsAreZeros) {
  StreamWindows w(WindowOptions{}, params());
  w.add_audio(1003.0, 16000, std::vector<float>(4000, 0.1f), at(0));   // [0, 4000)
  w.add_audio(1003.5, 16000, std::vector<float>(4000, 0.2f), at(0));   // [8000, 12000)
  w.add_audio(1004.5, 16000, std::vector<float>(4000, 0.3f), at(0));   // after the end
  const auto c = w.poll(at(0));
  ASSERT_EQ(indices(c), std::vector<int64_t>{1004});
  std::vector<float> expected(16000, 0.0f);
  std::fill(expected.begin(), expected.begin() + 4000, 0.1f);
  std::fill(expected.begin() + 8000, expected.begin() + 12000, 0.2f);
  EXPECT_EQ(c[0].media.audio, expected);
}

TEST(StreamWindows, AudioAtAnotherRateIsResampledToTheMfccRate) {
  StreamWindows w(WindowOptions{}, params());
  std::vector<float> chunk(8000);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * 440.0 * i / 8000.0));
  w.add_audio(1003.0, 8000, chunk, at(0));
  w.add_audio(1004.0, 8000, std::vector<float>(8000, 0.0f), at(0));
  const auto c = w.poll(at(0));
  ASSERT_EQ(indices(c), std::vector<int64_t>{1004});
  std::vector<float> expected = features::resample_audio(chunk, 8000, 16000);
  expected.resize(16000, 0.0f);
  ASSERT_EQ(c[0].media.audio.size(), 16000u);
  EXPECT_EQ(c[0].media.audio, expected);
}

TEST(StreamWindows, TextLinesAreJoinedInTsOrder) {
  StreamWindows w(WindowOptions{}, params());  // text_lookback_s 4, out of order 1.0
  w.add_text(999.9, "x", at(0));
  w.add_text(1002.0, "b", at(0));
  w.add_text(1001.0, "a", at(0));  // out of order, within the bound
  w.add_text(1003.5, "c", at(0));
  w.add_text(1004.0, "y", at(0));  // the end: out
  w.add_text(1005.0, "z", at(0));  // text watermark 1004
  const auto c = w.poll(at(0));
  ASSERT_EQ(indices(c), range(1000, 1004));
  EXPECT_EQ(find(c, 1004).media.text, "a\nb\nc");
  EXPECT_EQ(find(c, 1000).media.text, "x");
  EXPECT_EQ(w.counters().late_items, 0u);
}

TEST(StreamWindows, SensorRowsGoThroughResampleWindow) {
  StreamWindows w(WindowOptions{}, params());
  const int C = params().sensor.num_channels();
  auto row = [&](int i) {
    std::vector<float> r(static_cast<size_t>(C));
    for (int ch = 0; ch < C; ++ch) r[static_cast<size_t>(ch)] = static_cast<float>(ch + 0.01 * i);
    if (i % 2 == 0) r[2] = std::numeric_limits<float>::quiet_NaN();  // dropped readings
    return r;
  };
  features::SensorSeries in_window, with_edges;
  in_window.channels = with_edges.channels = C;
  w.add_sensor(1039.5, std::vector<float>(static_cast<size_t>(C), 1000.0f), at(0));  // before end - 60
  with_edges.add_row(1039.5, std::vector<float>(static_cast<size_t>(C), 1000.0f));
  for (int i = 0; i < 120; ++i) {  // 1040.0 .. 1099.5
    w.add_sensor(1040.0 + 0.5 * i, row(i), at(0));
    in_window.add_row(1040.0 + 0.5 * i, row(i));
    with_edges.add_row(1040.0 + 0.5 * i, row(i));
  }
  w.add_sensor(1100.0, std::vector<float>(static_cast<size_t>(C), -1000.0f), at(0));  // the end: out
  w.add_sensor(1101.0, row(0), at(0));  // sensor watermark 1100
  const auto c = w.poll(at(0));
  ASSERT_EQ(indices(c), range(1040, 1100));
  const ClosedWindow& x = find(c, 1100);
  ASSERT_TRUE(x.media.present[kSensor]);
  const std::vector<float> expected = features::resample_window(in_window, params().sensor);
  ASSERT_EQ(x.media.sensor_window.size(), static_cast<size_t>(32 * C));
  EXPECT_EQ(x.media.sensor_window, expected);
  EXPECT_NE(expected, features::resample_window(with_edges, params().sensor));  // the bounds matter
}

TEST(StreamWindows, FlushClosesWindowsUpToTheNewestItem) {
  StreamWindows w(WindowOptions{}, params());
  w.add_frame(1000.2, frame(1), at(0));
  w.add_frame(1001.1, frame(2), at(0));  // visual 1000.85: short of 1001
  w.add_text(1002.5, "pos", at(0));
  EXPECT_TRUE(w.poll(at(0)).empty());
  const auto c = w.poll(at(100), true);
  ASSERT_EQ(indices(c), range(1001, 1003));  // 1003: the first end after 1002.5
  for (const auto& x : c) EXPECT_EQ(x.reason, CloseReason::Flush) << x.index;
  EXPECT_EQ(find(c, 1003).media.text, "pos");
  EXPECT_FALSE(find(c, 1002).media.present[kText]);
  EXPECT_TRUE(w.poll(at(200), true).empty());
}

TEST(StreamWindows, EmptyWindowsAreCountedNotEmitted) {
  WindowOptions o;
  o.length_s = 1.0;
  StreamWindows w(o, params());
  w.add_frame(1000.5, frame(1), at(0));
  EXPECT_TRUE(w.poll(at(0)).empty());
  w.add_frame(1010.5, frame(2), at(100));
  const auto c = w.poll(at(100));
  EXPECT_EQ(indices(c), std::vector<int64_t>{1001});
  EXPECT_EQ(w.counters().empty_windows, 9u);  // 1002 .. 1010
}

// After a month without items the windows in between hold nothing: only the
// windows of the frames before the silence come out, the rest are counted.
TEST(StreamWindows, LongSilenceEmitsNoEmptyWindows) {
  StreamWindows w(WindowOptions{}, params());
  frames(w, 1000.0, 1010.25, at(0));
  ASSERT_EQ(indices(w.poll(at(0))), range(1001, 1010));
  const double gap = 30 * 86400.0;
  w.add_frame(1010.5 + gap, frame(3), at(1000));
  w.add_frame(1010.75 + gap, frame(3), at(1000));
  const auto c = w.poll(at(1000));
  EXPECT_EQ(indices(c), range(1011, 1014));  // the old frames' last windows; nothing else
  const uint64_t last = static_cast<uint64_t>(std::floor(1010.5 + gap));  // watermark 1010.5 + gap
  EXPECT_EQ(w.counters().empty_windows, last - 1014);
}

// Windows before the oldest item held are skipped at once, not closed one by
// one (window.cpp: "a stream that was silent for an hour does not close 3600
// empty windows"): 10^8 of them take no time. (Here the older frame has left
// the buffer through max_items.)
TEST(StreamWindows, WindowsBeforeTheOldestItemAreSkippedAtOnce) {
  WindowOptions o;
  o.max_items = 1;
  StreamWindows w(o, params());
  w.add_frame(1000.5, frame(1), at(0));
  EXPECT_TRUE(w.poll(at(0)).empty());
  const double later = 1000.5 + 1e8;
  w.add_frame(later, frame(2), at(10));
  w.add_frame(later + 0.5, frame(2), at(10));
  EXPECT_EQ(w.counters().overflow_items, 2u);
  const auto start = std::chrono::steady_clock::now();
  const auto c = w.poll(at(10));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(c.empty());  // the window of `later + 0.5` is still open
  EXPECT_EQ(w.counters().empty_windows, static_cast<uint64_t>(std::floor(later + 0.5)) - 1000);  // 1001 ..
  EXPECT_LT(took, 1.0);  // one by one: seconds
}

TEST(StreamWindows, RewindClosesWindowsAgainWithinKeepS) {
  WindowOptions o;
  o.keep_s = 5.0;
  StreamWindows w(o, params());
  std::vector<std::pair<double, uint8_t>> items;
  uint8_t v = 0;
  for (double ts = 1000.0; ts <= 1010.25; ts += 0.25) {
    items.emplace_back(ts, ++v);
    w.add_frame(ts, frame(v), at(0));
  }
  const auto first = w.poll(at(0));
  ASSERT_EQ(indices(first), range(1001, 1010));
  EXPECT_EQ(w.rewind(1008), 1008);
  const auto again = w.poll(at(10));
  ASSERT_EQ(indices(again), range(1008, 1010));
  for (const auto& x : again) {
    EXPECT_EQ(x.media.frames, find(first, x.index).media.frames) << x.index;
    EXPECT_EQ(x.media.frames, expected_frames(items, x.end_s, 4.0)) << x.index;
  }
  EXPECT_EQ(w.rewind(1000), 1011 - 5);  // no earlier than keep_s allows
  const auto kept = w.poll(at(20));
  ASSERT_EQ(indices(kept), range(1006, 1010));
  for (const auto& x : kept) EXPECT_EQ(x.media.frames, expected_frames(items, x.end_s, 4.0)) << x.index;
}

TEST(StreamWindows, RewindWithoutKeepSDoesNothing) {
  StreamWindows w(WindowOptions{}, params());
  frames(w, 1000.0, 1004.25, at(0));
  ASSERT_EQ(indices(w.poll(at(0))), range(1001, 1004));
  EXPECT_EQ(w.rewind(1002), 1005);
  EXPECT_TRUE(w.poll(at(10)).empty());
}

}  // namespace
