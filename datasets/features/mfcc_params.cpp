#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include "storefuse/core/error.h"
#include "storefuse/features/mfcc_params.h"

namespace storefuse::features {
namespace {

template <typename E>
using Names = std::initializer_list<std::pair<E, const char*>>;

const Names<Window> kWindows = {
    {Window::Hann, "hann"}, {Window::Hamming, "hamming"}, {Window::Rectangular, "rectangular"}};
const Names<PadMode> kPadModes = {{PadMode::Reflect, "reflect"},
                                  {PadMode::Constant, "constant"},
                                  {PadMode::Replicate, "replicate"},
                                  {PadMode::Circular, "circular"}};
const Names<SpecNorm> kSpecNorms = {
    {SpecNorm::None, "none"}, {SpecNorm::Window, "window"}, {SpecNorm::FrameLength, "frame_length"}};
const Names<MelScale> kMelScales = {{MelScale::Htk, "htk"}, {MelScale::Slaney, "slaney"}};
const Names<MelNorm> kMelNorms = {{MelNorm::None, "none"}, {MelNorm::Slaney, "slaney"}};
const Names<DctNorm> kDctNorms = {{DctNorm::Ortho, "ortho"}, {DctNorm::None, "none"}};

template <typename E>
const char* name_of(E value, Names<E> names) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "?";
}

[[noreturn]] void bad(const std::string& field, const std::string& what, const std::string& fix) {
  throw Error(ErrorKind::Config, "mfcc." + field + ": " + what, "mfcc parameters", fix);
}

template <typename E>
E parse_name(const json& j, const char* field, Names<E> names) {
  std::string allowed;
  for (const auto& [v, name] : names) {
    if (j.is_string() && j.get<std::string>() == name) return v;
    allowed += allowed.empty() ? name : std::string(", ") + name;
  }
  bad(field, "unknown value " + j.dump(), "use one of: " + allowed);
}

template <typename T>
T number(const json& j, const char* field) {
  const bool ok = std::is_integral_v<T> ? j.is_number_integer() : j.is_number();
  if (!ok) bad(field, "expected a number, got " + j.dump(), "");
  return j.get<T>();
}

bool boolean(const json& j, const char* field) {
  if (!j.is_boolean()) bad(field, "expected true or false, got " + j.dump(), "");
  return j.get<bool>();
}

std::optional<double> optional_number(const json& j, const char* field) {
  if (j.is_null()) return std::nullopt;
  return number<double>(j, field);
}

}  // namespace

bool MfccParams::operator==(const MfccParams& o) const {
  return sample_rate_hz == o.sample_rate_hz && n_fft == o.n_fft && win_length == o.win_length &&
         hop_length == o.hop_length && pad == o.pad && window == o.window &&
         window_periodic == o.window_periodic && center == o.center && pad_mode == o.pad_mode &&
         power == o.power && normalized == o.normalized && n_mels == o.n_mels &&
         f_min_hz == o.f_min_hz && f_max_hz == o.f_max_hz && mel_scale == o.mel_scale &&
         mel_norm == o.mel_norm && n_mfcc == o.n_mfcc && dct_norm == o.dct_norm &&
         log_mels == o.log_mels && top_db == o.top_db;
}

void validate(const MfccParams& p) {
  auto s = [](auto v) { return json(v).dump(); };  // shortest round-trip form
  if (p.sample_rate_hz <= 0) bad("sample_rate_hz", "must be positive, got " + s(p.sample_rate_hz), "");
  if (p.n_fft < 1) bad("n_fft", "must be at least 1, got " + s(p.n_fft), "");
  if (p.win_length < 1 || p.win_length > p.n_fft) {
    bad("win_length", s(p.win_length) + " is outside 1..n_fft (" + s(p.n_fft) + ")",
        "use a window no longer than the FFT");
  }
  if (p.hop_length < 1) bad("hop_length", "must be at least 1, got " + s(p.hop_length), "");
  if (p.pad < 0) bad("pad", "must not be negative, got " + s(p.pad), "");
  if (!(p.power > 0) || !std::isfinite(p.power)) {
    bad("power", "must be a positive number, got " + s(p.power), "use 2 for power, 1 for magnitude");
  }
  const int bins = p.n_fft / 2 + 1;
  if (p.n_mels < 1 || p.n_mels > bins) {
    bad("n_mels", s(p.n_mels) + " mel bands from " + s(bins) + " FFT bins (n_fft " + s(p.n_fft) +
                      ")",
        "use at most n_fft/2+1 mel bands, or a larger n_fft");
  }
  if (p.n_mfcc < 1 || p.n_mfcc > p.n_mels) {
    bad("n_mfcc", s(p.n_mfcc) + " is outside 1..n_mels (" + s(p.n_mels) + ")", "");
  }
  const double nyquist = p.sample_rate_hz / 2.0;
  const double f_max = p.f_max_or_nyquist();
  if (!(p.f_min_hz >= 0)) bad("f_min_hz", "must not be negative, got " + s(p.f_min_hz), "");
  if (!(f_max <= nyquist)) {
    bad("f_max_hz", s(f_max) + " Hz is above the Nyquist frequency " + s(nyquist) + " Hz",
        "set f_max_hz to at most sample_rate_hz/2, or null for sample_rate_hz/2");
  }
  if (!(p.f_min_hz < f_max)) {
    bad("f_min_hz", s(p.f_min_hz) + " Hz is not below f_max " + s(f_max) + " Hz", "");
  }
  if (p.top_db && !(*p.top_db >= 0)) bad("top_db", "must not be negative, got " + s(*p.top_db), "");
}

void to_json(json& j, const MfccParams& p) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  j = json{{"sample_rate_hz", p.sample_rate_hz},
           {"n_fft", p.n_fft},
           {"win_length", p.win_length},
           {"hop_length", p.hop_length},
           {"pad", p.pad},
           {"window", name_of(p.window, kWindows)},
           {"window_periodic", p.window_periodic},
           {"center", p.center},
           {"pad_mode", name_of(p.pad_mode, kPadModes)},
           {"power", p.power},
           {"normalized", name_of(p.normalized, kSpecNorms)},
           {"n_mels", p.n_mels},
           {"f_min_hz", p.f_min_hz},
           {"f_max_hz", opt(p.f_max_hz)},
           {"mel_scale", name_of(p.mel_scale, kMelScales)},
           {"mel_norm", name_of(p.mel_norm, kMelNorms)},
           {"n_mfcc", p.n_mfcc},
           {"dct_norm", name_of(p.dct_norm, kDctNorms)},
           {"log_mels", p.log_mels},
           {"top_db", opt(p.top_db)}};
}

void from_json(const json& j, MfccParams& out) {
  if (!j.is_object()) bad("", "expected an object of MFCC parameters, got " + j.dump(), "");
  MfccParams p;
  for (const auto& [key, v] : j.items()) {
    const char* k = key.c_str();
    if (key == "sample_rate_hz") p.sample_rate_hz = number<int>(v, k);
    else if (key == "n_fft") p.n_fft = number<int>(v, k);
    else if (key == "win_length") p.win_length = number<int>(v, k);
    else if (key == "hop_length") p.hop_length = number<int>(v, k);
    else if (key == "pad") p.pad = number<int>(v, k);
    else if (key == "window") p.window = parse_name(v, k, kWindows);
    else if (key == "window_periodic") p.window_periodic = boolean(v, k);
    else if (key == "center") p.center = boolean(v, k);
    else if (key == "pad_mode") p.pad_mode = parse_name(v, k, kPadModes);
    else if (key == "power") p.power = number<double>(v, k);
    else if (key == "normalized") p.normalized = parse_name(v, k, kSpecNorms);
    else if (key == "n_mels") p.n_mels = number<int>(v, k);
    else if (key == "f_min_hz") p.f_min_hz = number<double>(v, k);
    else if (key == "f_max_hz") p.f_max_hz = optional_number(v, k);
    else if (key == "mel_scale") p.mel_scale = parse_name(v, k, kMelScales);
    else if (key == "mel_norm") p.mel_norm = parse_name(v, k, kMelNorms);
    else if (key == "n_mfcc") p.n_mfcc = number<int>(v, k);
    else if (key == "dct_norm") p.dct_norm = parse_name(v, k, kDctNorms);
    else if (key == "log_mels") p.log_mels = boolean(v, k);
    else if (key == "top_db") p.top_db = optional_number(v, k);
    else bad(key, "unknown parameter", "see docs/features.md (Audio) for the parameter list");
  }
  validate(p);
  out = p;
}

}  // namespace storefuse::features
