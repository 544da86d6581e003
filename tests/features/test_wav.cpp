// WAV decoding of every supported encoding (files built byte by byte here,
// independent of the writer), the 16-bit round trip, and the errors for
// broken headers.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "storefuse/core/error.h"
#include "storefuse/features/wav.h"

using storefuse::Error;
using storefuse::ErrorKind;
using storefuse::features::Audio;
using storefuse::features::decode_wav;

namespace {

void put(std::string& s, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

struct WavSpec {
  int format = 1;  // 1 PCM, 3 float, 0xFFFE extensible
  int channels = 1;
  int rate = 16000;
  int bits = 16;
  int sub_format = 1;  // extensible only
};

// fmt + data chunks around `data`; the fmt fields come from `spec`.
std::string wav(const WavSpec& spec, const std::string& data) {
  std::string fmt;
  put(fmt, spec.format, 2);
  put(fmt, spec.channels, 2);
  put(fmt, spec.rate, 4);
  put(fmt, spec.rate * spec.channels * spec.bits / 8, 4);
  put(fmt, spec.channels * spec.bits / 8, 2);
  put(fmt, spec.bits, 2);
  if (spec.format == 0xFFFE) {
    put(fmt, 22, 2);          // cbSize
    put(fmt, spec.bits, 2);   // valid bits
    put(fmt, 0, 4);           // channel mask
    put(fmt, spec.sub_format, 2);
    fmt += std::string("\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 14);
  }
  std::string body = "WAVE";
  body += "fmt ";
  put(body, fmt.size(), 4);
  body += fmt;
  body += "data";
  put(body, data.size(), 4);
  body += data;
  if (data.size() % 2) body += '\0';
  std::string out = "RIFF";
  put(out, body.size(), 4);
  return out + body;
}

std::string samples(const std::vector<std::int64_t>& values, int bytes) {
  std::string s;
  for (auto v : values) put(s, static_cast<std::uint64_t>(v), bytes);
  return s;
}

// The error decode_wav throws for `bytes`.
Error wav_error(const std::string& bytes) {
  try {
    decode_wav(bytes, "clip.wav");
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "clip.wav") << "errors name the file";
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorKind::Runtime, "");
}

}  // namespace

TEST(Wav, Decodes16BitMono) {
  const Audio a = decode_wav(wav({}, samples({0, 16384, -32768, 32767}, 2)), "t");
  EXPECT_EQ(a.sample_rate_hz, 16000);
  EXPECT_EQ(a.samples, (std::vector<float>{0.0f, 0.5f, -1.0f, 32767 / 32768.0f}));
}

TEST(Wav, Decodes24BitStereoAsTheChannelMean) {
  // Frames (L, R): (+0.5, -0.25) and (-2^-23, -2^-23): the sign of 24-bit
  // samples must survive.
  const auto data = samples({0x400000, 0xE00000, 0xFFFFFF, 0xFFFFFF}, 3);
  const Audio a = decode_wav(wav({1, 2, 44100, 24}, data), "t");
  EXPECT_EQ(a.sample_rate_hz, 44100);
  EXPECT_EQ(a.samples, (std::vector<float>{0.125f, -1.0f / 8388608}));
}

TEST(Wav, Decodes32BitIntAnd8BitUnsigned) {
  EXPECT_EQ(decode_wav(wav({1, 1, 8000, 32}, samples({0x40000000, 0x80000000}, 4)), "t").samples,
            (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ(decode_wav(wav({1, 1, 8000, 8}, samples({128, 0, 192}, 1)), "t").samples,
            (std::vector<float>{0.0f, -1.0f, 0.5f}));
}

TEST(Wav, DecodesFloat32ThreeChannelsAndFloat64) {
  std::string f32;
  for (float v : {0.3f, 0.6f, 0.9f}) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    put(f32, bits, 4);
  }
  const Audio a = decode_wav(wav({3, 3, 48000, 32}, f32), "t");
  ASSERT_EQ(a.samples.size(), 1u);
  EXPECT_FLOAT_EQ(a.samples[0], 0.6f);

  std::string f64;
  const double v = -0.125;
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  put(f64, bits, 8);
  EXPECT_EQ(decode_wav(wav({3, 1, 22050, 64}, f64), "t").samples, std::vector<float>{-0.125f});
}

TEST(Wav, DecodesWaveFormatExtensible) {
  const Audio a = decode_wav(wav({0xFFFE, 2, 96000, 24, 1}, samples({0x200000, 0x200000}, 3)), "t");
  EXPECT_EQ(a.samples, std::vector<float>{0.25f});
}

TEST(Wav, SkipsUnknownChunksAndTheirPadByte) {
  std::string file = wav({}, samples({16384}, 2));
  // Insert an odd-sized LIST chunk (3 bytes + pad) between WAVE and fmt.
  std::string list = "LIST";
  put(list, 3, 4);
  list += std::string("abc\0", 4);
  file.insert(12, list);
  const std::uint32_t riff = static_cast<std::uint32_t>(file.size() - 8);
  std::memcpy(&file[4], &riff, 4);  // little-endian host, as the test fixtures assume
  EXPECT_EQ(decode_wav(file, "t").samples, std::vector<float>{0.5f});
}

TEST(Wav, WriteReadRoundTripIs16BitExact) {
  const auto dir = std::filesystem::temp_directory_path() / ("storefuse_wav_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Audio a;
  a.sample_rate_hz = 22050;
  for (int i = 0; i < 1000; ++i) a.samples.push_back(static_cast<float>((i * 37 % 2001) - 1000) / 1024.0f);
  a.samples.push_back(2.0f);   // clipped to 32767/32768
  a.samples.push_back(-2.0f);  // clipped to -1
  storefuse::features::write_wav(dir / "a.wav", a);
  const Audio b = storefuse::features::read_wav(dir / "a.wav");
  EXPECT_EQ(b.sample_rate_hz, 22050);
  ASSERT_EQ(b.samples.size(), a.samples.size());
  for (std::size_t i = 0; i + 2 < a.samples.size(); ++i) {
    ASSERT_EQ(b.samples[i], std::max(-1.0f, std::min(a.samples[i], 32767 / 32768.0f))) << i;
  }
  EXPECT_EQ(b.samples.back(), -1.0f);
  EXPECT_EQ(b.samples[b.samples.size() - 2], 32767 / 32768.0f);

  // Read back at another rate: resampled, same duration.
  const Audio c = storefuse::features::read_wav(dir / "a.wav", 16000);
  EXPECT_EQ(c.sample_rate_hz, 16000);
  EXPECT_EQ(c.samples.size(), (1002u * 16000 + 22049) / 22050);
  std::filesystem::remove_all(dir);
}

TEST(Wav, NonFiniteSamplesAreNotWritten) {
  Audio a{16000, {0.0f, std::nanf("")}};
  EXPECT_THROW(storefuse::features::encode_wav(a), Error);
}

TEST(Wav, TruncatedHeaderIsADataError) {
  const Error e = wav_error(std::string("RIFF\x10\x00", 6));
  EXPECT_EQ(e.kind(), ErrorKind::Data);
  EXPECT_NE(e.problem().find("truncated header: 6 bytes"), std::string::npos) << e.what();
  EXPECT_NE(wav_error(std::string("RIFX\x04\x00\x00\x00WAVE", 12)).problem().find("not a RIFF/WAVE"), std::string::npos);
}

TEST(Wav, WrongChunkSizesAreDataErrors) {
  const std::string good = wav({}, samples({1, 2, 3, 4}, 2));

  std::string data_too_long = good;  // data chunk claims 100 bytes, 8 follow
  data_too_long[40] = 100;
  Error e = wav_error(data_too_long);
  EXPECT_EQ(e.kind(), ErrorKind::Data);
  EXPECT_NE(e.problem().find("chunk 'data' at byte 36 claims 100 bytes, only 8 follow"), std::string::npos)
      << e.what();

  std::string cut = good.substr(0, good.size() - 3);  // file cut short
  EXPECT_NE(wav_error(cut).problem().find("the RIFF header says 52 bytes, the file has 49"),
            std::string::npos);

  std::string odd_data = wav({}, samples({1, 2, 3}, 2) + "x");  // 7 bytes of 2-byte frames
  EXPECT_NE(wav_error(odd_data).problem().find("not a whole number of 2-byte frames"), std::string::npos);

  std::string short_fmt = good;  // fmt chunk claims 14 bytes
  short_fmt[16] = 14;
  EXPECT_EQ(wav_error(short_fmt).kind(), ErrorKind::Data);

  std::string bad_align = good;  // block align 4 for mono 16-bit
  bad_align[32] = 4;
  EXPECT_NE(wav_error(bad_align).problem().find("block align 4"), std::string::npos);

  EXPECT_NE(wav_error(good.substr(0, 36).replace(4, 4, std::string("\x1c\0\0\0", 4)))
                .problem()
                .find("no data chunk"),
            std::string::npos);
}

TEST(Wav, UnsupportedEncodingsNameTheFormat) {
  const Error mulaw = wav_error(wav({7, 1, 8000, 8}, samples({1, 2}, 1)));
  EXPECT_EQ(mulaw.kind(), ErrorKind::Unsupported);
  EXPECT_NE(mulaw.problem().find("format code 7"), std::string::npos) << mulaw.what();

  const Error bits12 = wav_error(wav({1, 1, 8000, 12}, ""));
  EXPECT_EQ(bits12.kind(), ErrorKind::Unsupported);
  EXPECT_NE(bits12.problem().find("12-bit PCM"), std::string::npos) << bits12.what();

  const Error ext_adpcm = wav_error(wav({0xFFFE, 1, 8000, 16, 2}, samples({1}, 2)));
  EXPECT_NE(ext_adpcm.problem().find("format code 2"), std::string::npos) << ext_adpcm.what();
}
