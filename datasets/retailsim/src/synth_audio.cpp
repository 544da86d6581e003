// One second of the zone's microphone near the end of the visit: ambient
// noise and mains hum (the store's), the behaviour's audio cue (world.h), and
// occasional unrelated events (a distant beep, a chime, a false gate alarm)
// so that no cue is perfectly clean. Speech is a harmonic voice whose pitch
// and loudness rise with arousal.
#include <algorithm>
#include <cmath>

#include "storefuse/retailsim/media.h"
#include "storefuse/retailsim/rng.h"

namespace storefuse::retailsim {
namespace {

constexpr double kTwoPi = 6.283185307179586;
constexpr int kN = static_cast<int>(kAudioRateHz * kAudioSeconds);

void tone(std::vector<float>& x, double start_s, double dur_s, double hz, double amp, double decay_per_s = 0) {
  int a = static_cast<int>(start_s * kAudioRateHz), b = std::min(kN, a + static_cast<int>(dur_s * kAudioRateHz));
  for (int i = std::max(a, 0); i < b; ++i) {
    double t = (i - a) / static_cast<double>(kAudioRateHz);
    double ramp = std::min(1.0, std::min(t, (b - i) / static_cast<double>(kAudioRateHz)) / 0.005);  // no clicks
    x[i] += static_cast<float>(amp * ramp * std::exp(-decay_per_s * t) * std::sin(kTwoPi * hz * t));
  }
}

// A voiced segment: harmonics of f0 with a falling 1/k spectrum, a slow pitch
// glide and a syllable-rate (about 4 Hz) loudness envelope. The harmonics come
// from the recurrence sin(k p) = 2 cos(p) sin((k-1) p) - sin((k-2) p): one
// sin and one cos per sample instead of twelve sines.
void voice(std::vector<float>& x, double start_s, double dur_s, double f0, double amp, Rng& r) {
  int a = static_cast<int>(start_s * kAudioRateHz), b = std::min(kN, a + static_cast<int>(dur_s * kAudioRateHz));
  double glide = r.uniform(-0.15, 0.15), phase = 0, syl = r.uniform(3.0, 5.0);
  for (int i = std::max(a, 0); i < b; ++i) {
    double t = (i - a) / static_cast<double>(kAudioRateHz);
    double f = f0 * (1.0 + glide * t / dur_s);
    phase += kTwoPi * f / kAudioRateHz;
    double env = std::sin(3.14159265 * t / dur_s) * (0.6 + 0.4 * std::sin(kTwoPi * syl * t));
    const double s1 = std::sin(phase), c2 = 2 * std::cos(phase);
    double prev = 0, cur = s1, s = 0;
    for (int k = 1; k <= 12 && k * f < 4000; ++k) {
      s += cur / k;
      double next = c2 * cur - prev;
      prev = cur;
      cur = next;
    }
    x[i] += static_cast<float>(amp * env * s * 0.5);
  }
}

void beeps(std::vector<float>& x, Rng& r, int n, double amp) {
  for (int i = 0; i < n; ++i) tone(x, r.uniform(0.0, 0.9), 0.09, 2700, amp);
}

void chime(std::vector<float>& x, Rng& r, double amp) {
  double at = r.uniform(0.0, 0.4);
  tone(x, at, 0.5, 659.3, amp, 6.0);        // E5 ...
  tone(x, at + 0.3, 0.6, 523.3, amp, 5.0);  // ... C5: ding-dong
}

void gate_alarm(std::vector<float>& x, Rng& r, double amp) {
  double at = r.uniform(0.0, 0.6);
  for (int k = 0; k < 4; ++k) tone(x, at + 0.1 * k, 0.1, k % 2 ? 3600 : 3000, amp);
}

void clunks(std::vector<float>& x, Rng& r, int n) {
  for (int i = 0; i < n; ++i) {
    int a = static_cast<int>(r.uniform(0.0, 0.95) * kAudioRateHz);
    double amp = r.uniform(0.2, 0.4), low = 0;
    for (int k = 0; k < 1600 && a + k < kN; ++k) {
      low += 0.08 * (r.normal() - low);  // low-passed noise burst: a box set down
      x[a + k] += static_cast<float>(amp * std::exp(-k / 250.0) * low * 4);
    }
  }
}

}  // namespace

std::vector<float> synth_audio(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v) {
  Rng r(cfg.seed, static_cast<uint64_t>(v.index), Stream::Audio);
  std::vector<float> x(kN, 0.0f);
  // Ambient: low-passed noise plus mains hum with its second harmonic.
  double lp = 0, level = store.ambient_level * (0.7 + 0.6 * v.crowd);
  // The hum is a phasor turned by a fixed rotation each sample: no sine calls.
  const double phase0 = r.uniform(0, kTwoPi), step = kTwoPi * store.hum_hz / kAudioRateHz;
  double hc = std::cos(phase0), hs = std::sin(phase0);
  const double rc = std::cos(step), rs = std::sin(step);
  for (int i = 0; i < kN; ++i) {
    lp += 0.3 * (r.normal() - lp);
    // sin(2a) = 2 sin(a) cos(a): the second harmonic from the same phasor.
    x[i] = static_cast<float>(level * (lp + 0.3 * hs + 0.15 * 2 * hs * hc));
    const double c = hc * rc - hs * rs;
    hs = hs * rc + hc * rs;
    hc = c;
  }
  const double loud = 0.5 + v.arousal;  // arousal: louder ...
  const double pitch = 1.0 + 0.4 * (v.arousal - 0.5);  // ... and higher
  switch (audio_cue(v.behavior)) {
    case AudioCue::Quiet:
      break;
    case AudioCue::CheckoutBeeps:
      beeps(x, r, static_cast<int>(r.integer(2, 5)), r.uniform(0.15, 0.3));
      break;
    case AudioCue::Conversation: {
      double t = r.uniform(0.0, 0.1);
      bool customer = r.bernoulli(0.5);
      while (t < 0.9) {  // turns alternate between the customer and the clerk
        double dur = r.uniform(0.15, 0.3);
        double f0 = customer ? r.uniform(110, 140) * pitch : r.uniform(190, 230);
        voice(x, t, dur, f0, 0.12 * (customer ? loud : 1.0), r);
        t += dur + r.uniform(0.03, 0.1);
        customer = !customer;
      }
      break;
    }
    case AudioCue::DoorChime:
      chime(x, r, r.uniform(0.15, 0.3));
      break;
    case AudioCue::SingleVoice: {
      double t = r.uniform(0.0, 0.15), f0 = r.uniform(100, 220) * pitch;
      while (t < 0.9) {
        double dur = r.uniform(0.2, 0.4);
        voice(x, t, dur, f0, 0.12 * loud, r);
        t += dur + r.uniform(0.05, 0.15);
      }
      break;
    }
    case AudioCue::Restocking:
      clunks(x, r, static_cast<int>(r.integer(3, 6)));
      break;
  }
  // Unrelated events anywhere in the store, at a low level.
  const double n = cfg.noise.audio;
  if (r.bernoulli(0.03 * n)) beeps(x, r, 1, 0.04);
  if (r.bernoulli(0.03 * n)) chime(x, r, 0.04);
  if (r.bernoulli(store.false_alarm_rate * 2 * n)) gate_alarm(x, r, 0.1);
  // A microphone records 16-bit PCM: samples sit on the grid the emitted WAV
  // stores (features::encode_wav's rounding), so ingest of the files gives
  // back the dataset's audio features bit for bit.
  for (auto& s : x) s = static_cast<float>(std::lround(std::clamp(s * 32768.0, -32768.0, 32767.0)) / 32768.0);
  return x;
}

}  // namespace storefuse::retailsim
