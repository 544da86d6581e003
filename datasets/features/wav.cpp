#include "storefuse/features/wav.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/features/audio_resample.h"

namespace storefuse::features {
namespace {

constexpr int kFormatPcm = 1;
constexpr int kFormatFloat = 3;
constexpr int kFormatExtensible = 0xFFFE;
// WAVE_FORMAT_EXTENSIBLE sub-formats are GUIDs whose first two bytes are the
// plain format code and whose other 14 bytes are fixed (KSDATAFORMAT_SUBTYPE_*).
constexpr unsigned char kGuidTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                         0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

std::uint32_t u16(const unsigned char* p) { return p[0] | (p[1] << 8); }
std::uint32_t u32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
void put_u16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}
void put_u32(std::string& s, std::uint32_t v) {
  put_u16(s, v & 0xFFFF);
  put_u16(s, v >> 16);
}

struct Format {
  int code = 0;  // kFormatPcm or kFormatFloat after unwrapping EXTENSIBLE
  int channels = 0;
  int sample_rate_hz = 0;
  int bits = 0;
  int block_align = 0;
};

class Parser {
 public:
  Parser(std::string_view bytes, const std::string& name)
      : p_(reinterpret_cast<const unsigned char*>(bytes.data())), size_(bytes.size()), name_(name) {}

  Audio parse();

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::Data, "broken WAV file: " + what, name_,
                "re-export the file as PCM or float WAV (e.g. ffmpeg -i in -c:a pcm_s16le out.wav)");
  }
  Format parse_fmt(const unsigned char* c, std::size_t size) const;
  Audio decode(const Format& f, const unsigned char* data, std::size_t size) const;

  const unsigned char* p_;
  std::size_t size_;
  const std::string& name_;
};

Audio Parser::parse() {
  if (size_ < 12) {
    fail("truncated header: " + std::to_string(size_) + " bytes, a WAV file starts with a 12-byte RIFF header");
  }
  if (std::memcmp(p_, "RIFF", 4) != 0 || std::memcmp(p_ + 8, "WAVE", 4) != 0) {
    fail("not a RIFF/WAVE file (the first 12 bytes are not 'RIFF....WAVE')");
  }
  const std::size_t riff_end = 8 + static_cast<std::size_t>(u32(p_ + 4));
  if (riff_end > size_) {
    fail("truncated: the RIFF header says " + std::to_string(riff_end) + " bytes, the file has " +
         std::to_string(size_));
  }
  Format fmt;
  bool have_fmt = false;
  for (std::size_t at = 12; at + 8 <= riff_end;) {
    const std::string id(reinterpret_cast<const char*>(p_ + at), 4);
    const std::size_t size = u32(p_ + at + 4);
    const unsigned char* body = p_ + at + 8;
    if (size > riff_end - at - 8) {
      fail("chunk '" + id + "' at byte " + std::to_string(at) + " claims " + std::to_string(size) +
           " bytes, only " + std::to_string(riff_end - at - 8) + " follow");
    }
    if (id == "fmt ") {
      fmt = parse_fmt(body, size);
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) fail("the data chunk comes before the fmt chunk");
      return decode(fmt, body, size);
    }
    at += 8 + size + (size & 1);  // chunks are padded to even sizes
  }
  fail(have_fmt ? "no data chunk" : "no fmt chunk");
}

Format Parser::parse_fmt(const unsigned char* c, std::size_t size) const {
  if (size < 16) fail("fmt chunk is " + std::to_string(size) + " bytes, at least 16 are needed");
  Format f;
  f.code = static_cast<int>(u16(c));
  f.channels = static_cast<int>(u16(c + 2));
  const std::uint32_t rate = u32(c + 4);
  f.block_align = static_cast<int>(u16(c + 12));
  f.bits = static_cast<int>(u16(c + 14));
  if (f.code == kFormatExtensible) {
    if (size < 40 || u16(c + 16) < 22) fail("WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes");
    if (std::memcmp(c + 26, kGuidTail, sizeof kGuidTail) != 0) {
      throw Error(ErrorKind::Unsupported, "WAV sub-format GUID is not a standard PCM/float one", name_,
                  "re-export the file as PCM or float WAV");
    }
    f.code = static_cast<int>(u16(c + 24));
  }
  if (f.code != kFormatPcm && f.code != kFormatFloat) {
    throw Error(ErrorKind::Unsupported,
                "WAV format code " + std::to_string(f.code) +
                    " is not supported (1 = PCM and 3 = IEEE float are)",
                name_, "re-export the file as PCM or float WAV (e.g. ffmpeg -i in -c:a pcm_s16le out.wav)");
  }
  if (f.channels < 1) fail("fmt chunk says 0 channels");
  if (rate == 0 || rate > 0x7FFFFFFF) fail("fmt chunk says a sample rate of " + std::to_string(rate) + " Hz");
  f.sample_rate_hz = static_cast<int>(rate);
  const bool ok_bits = f.code == kFormatPcm ? (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32)
                                            : (f.bits == 32 || f.bits == 64);
  if (!ok_bits) {
    throw Error(ErrorKind::Unsupported,
                std::to_string(f.bits) + "-bit " + (f.code == kFormatPcm ? "PCM" : "float") +
                    " WAV is not supported (PCM 8/16/24/32-bit and float 32/64-bit are)",
                name_, "re-export the file as 16-bit PCM WAV");
  }
  if (f.block_align != f.channels * f.bits / 8) {
    fail("fmt chunk block align " + std::to_string(f.block_align) + " does not match " +
         std::to_string(f.channels) + " channels of " + std::to_string(f.bits) + " bits");
  }
  return f;
}

Audio Parser::decode(const Format& f, const unsigned char* data, std::size_t size) const {
  if (size % f.block_align != 0) {
    fail("data chunk of " + std::to_string(size) + " bytes is not a whole number of " +
         std::to_string(f.block_align) + "-byte frames");
  }
  const std::size_t frames = size / f.block_align;
  const int width = f.bits / 8;
  auto sample = [&](const unsigned char* s) -> double {
    if (f.code == kFormatFloat) {
      if (width == 4) {
        std::uint32_t v = u32(s);
        float x;
        std::memcpy(&x, &v, 4);
        return x;
      }
      const std::uint64_t v = u32(s) | (static_cast<std::uint64_t>(u32(s + 4)) << 32);
      double x;
      std::memcpy(&x, &v, 8);
      return x;
    }
    switch (width) {
      case 1: return (s[0] - 128) / 128.0;
      case 2: return static_cast<std::int16_t>(u16(s)) / 32768.0;
      case 3: {  // left-align the 24 bits so the int32 cast sign-extends
        const std::uint32_t v = (s[0] << 8) | (s[1] << 16) | (static_cast<std::uint32_t>(s[2]) << 24);
        return static_cast<std::int32_t>(v) / 2147483648.0;
      }
      default: return static_cast<std::int32_t>(u32(s)) / 2147483648.0;
    }
  };
  Audio audio;
  audio.sample_rate_hz = f.sample_rate_hz;
  audio.samples.resize(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const unsigned char* frame = data + i * f.block_align;
    double sum = 0;
    for (int ch = 0; ch < f.channels; ++ch) sum += sample(frame + ch * width);
    audio.samples[i] = static_cast<float>(sum / f.channels);
  }
  return audio;
}

}  // namespace

Audio decode_wav(std::string_view bytes, const std::string& name) { return Parser(bytes, name).parse(); }

std::string encode_wav(const Audio& audio) {
  if (audio.sample_rate_hz <= 0) {
    throw Error(ErrorKind::Data, "cannot write WAV with sample rate " + std::to_string(audio.sample_rate_hz),
                "write_wav");
  }
  const std::size_t data_bytes = audio.samples.size() * 2;
  if (data_bytes > 0xFFFFFFFFu - 36) {
    throw Error(ErrorKind::Unsupported, "audio too long for a WAV file (4 GiB limit)", "write_wav");
  }
  std::string s;
  s.reserve(44 + data_bytes);
  s += "RIFF";
  put_u32(s, static_cast<std::uint32_t>(36 + data_bytes));
  s += "WAVEfmt ";
  put_u32(s, 16);
  put_u16(s, kFormatPcm);
  put_u16(s, 1);  // channels
  put_u32(s, static_cast<std::uint32_t>(audio.sample_rate_hz));
  put_u32(s, static_cast<std::uint32_t>(audio.sample_rate_hz) * 2);  // byte rate
  put_u16(s, 2);   // block align
  put_u16(s, 16);  // bits
  s += "data";
  put_u32(s, static_cast<std::uint32_t>(data_bytes));
  for (std::size_t i = 0; i < audio.samples.size(); ++i) {
    const float x = audio.samples[i];
    if (!std::isfinite(x)) {
      throw Error(ErrorKind::Data, "sample " + std::to_string(i) + " is not a finite number", "write_wav");
    }
    const long q = std::lround(std::fmin(std::fmax(x * 32768.0, -32768.0), 32767.0));
    put_u16(s, static_cast<std::uint32_t>(q) & 0xFFFF);
  }
  return s;
}

// 512 MiB: over 4 hours of 16 kHz 16-bit stereo, far past any visit.
constexpr size_t kMaxWavBytes = size_t(512) << 20;

Audio read_wav(const std::filesystem::path& path) { return decode_wav(read_file(path, kMaxWavBytes), path.string()); }

Audio decode_wav(std::string_view bytes, const std::string& name, int sample_rate_hz) {
  Audio audio = decode_wav(bytes, name);
  audio.samples = resample_audio(audio.samples, audio.sample_rate_hz, sample_rate_hz);
  audio.sample_rate_hz = sample_rate_hz;
  return audio;
}

Audio read_wav(const std::filesystem::path& path, int sample_rate_hz) {
  return decode_wav(read_file(path, kMaxWavBytes), path.string(), sample_rate_hz);
}

void write_wav(const std::filesystem::path& path, const Audio& audio) {
  write_file_atomic(path, encode_wav(audio));
}

}  // namespace storefuse::features
