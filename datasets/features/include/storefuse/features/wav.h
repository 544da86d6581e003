// WAV (RIFF/WAVE) reading and writing for the audio modality.
// Reads PCM 8/16/24/32-bit and IEEE float 32/64-bit, plain or
// WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono). Samples are
// scaled to [-1, 1) as torchaudio.load(normalize=True) does: int16 / 32768,
// int24 / 2^23, int32 / 2^31, (uint8 - 128) / 128.
// Writes 16-bit PCM mono. A malformed file throws storefuse::Error (Data)
// naming the file and the broken field; a well-formed encoding that storefuse
// does not decode (mu-law, ADPCM, 12-bit...) throws Error (Unsupported).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace storefuse::features {

struct Audio {
  int sample_rate_hz = 0;
  std::vector<float> samples;  // mono
};

// Parses the bytes of a WAV file; `name` is only used in error messages.
Audio decode_wav(std::string_view bytes, const std::string& name);
// Parsed, then resampled to sample_rate_hz (audio_resample.h) if its rate differs.
Audio decode_wav(std::string_view bytes, const std::string& name, int sample_rate_hz);

// 16-bit PCM mono WAV bytes. Samples are rounded to the nearest step of
// 1/32768 and clipped to [-1, 32767/32768]; non-finite samples throw Error (Data).
std::string encode_wav(const Audio& audio);

Audio read_wav(const std::filesystem::path& path);
// Read, then resample to sample_rate_hz (audio_resample.h) if the file's rate differs.
Audio read_wav(const std::filesystem::path& path, int sample_rate_hz);
// Written atomically (storefuse/core/atomic_file.h).
void write_wav(const std::filesystem::path& path, const Audio& audio);

}  // namespace storefuse::features
