#include <cmath>
#include <limits>

#include "storefuse/core/error.h"
#include "storefuse/features/wav.h"
#include "storefuse/pipeline/clip_decoder.h"
#include "storefuse/pipeline/csv.h"
#include "storefuse/pipeline/feature_pipeline.h"

namespace storefuse::pipeline {
namespace fs = std::filesystem;
using datasets::Modality;

namespace {

features::SensorSeries sensor_series(const CsvTable& t, const features::SensorParams& p) {
  const fs::path& file = t.file;
  const int time_col = t.require("timestamp_s");
  std::vector<int> cols;
  for (const auto& c : p.channels) cols.push_back(t.require(c.name));
  if (t.rows.empty()) {
    throw Error(ErrorKind::Data, "the sensor file has no readings", file.string(),
                "write at least one row, or leave the sample's sensor cell empty (modality missing)");
  }
  features::SensorSeries s;
  s.channels = p.num_channels();
  std::vector<float> values(cols.size());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& f = t.rows[r];
    const std::string where = t.where(r);
    const double time = parse_double(f[time_col], "timestamp_s", where);
    if (!std::isfinite(time)) throw Error(ErrorKind::Data, "timestamp_s is not finite", where, "");
    if (r > 0 && time < s.time_s.back()) {
      throw Error(ErrorKind::Data, "timestamps out of order: " + f[time_col] + " s comes after " +
                                       std::to_string(s.time_s.back()) + " s",
                  where, "sort the rows by timestamp_s");
    }
    for (size_t c = 0; c < cols.size(); ++c) {
      const std::string& cell = f[cols[c]];
      values[c] = cell.empty() ? std::numeric_limits<float>::quiet_NaN() : parse_float(cell, t.header[cols[c]], where);
    }
    s.add_row(time, values);
  }
  return s;
}

// Cut or zero-padded to clip_s; no samples at all is an error, not silence.
std::vector<float> audio_clip(std::vector<float> samples, const std::string& where, const PipelineParams& params,
                              const std::string& leave_out = "leave the sample's audio cell empty") {
  if (samples.empty()) {
    throw Error(ErrorKind::Data, "the WAV file holds no audio samples", where,
                "replace the file, or " + leave_out + " (audio missing, mask 0)");
  }
  samples.resize(static_cast<size_t>(std::llround(params.clip_s * params.mfcc.sample_rate_hz)), 0.0f);
  return samples;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) text += (i ? "\n" : "") + lines[i];
  return text;
}

}  // namespace

features::SensorSeries read_sensor_csv(const fs::path& file, const features::SensorParams& p) {
  return sensor_series(read_csv(file), p);
}

SampleMedia decode_media(const EncodedMedia& media, const PipelineParams& params) {
  SampleMedia m;
  auto put = [&](Modality mod, const std::string& where, auto&& decode) {
    try {
      decode();
    } catch (const Error& e) {
      throw Error(e.kind(), e.problem(), where + (e.where().empty() || e.where() == where ? "" : ": " + e.where()),
                  e.fix());
    } catch (const std::exception& e) {  // a decoder's own exception (OpenCV)
      throw Error(ErrorKind::Data, std::string("cannot decode it: ") + e.what(), where, "send a file storefuse decodes");
    }
    m.present[static_cast<int>(mod)] = true;
  };
  if (media.video && media.frames) {
    throw Error(ErrorKind::Usage, "the visit has both a video and frames", "video, frames", "send one of them");
  }
  if (media.video) put(Modality::Visual, "video", [&] { m.frames = decode_clip_bytes(*media.video, params.visual); });
  if (media.frames) put(Modality::Visual, "frames", [&] { m.frames = decode_images(*media.frames, params.visual); });
  if (media.audio) {
    put(Modality::Audio, "audio", [&] {
      m.audio = audio_clip(features::decode_wav(*media.audio, "audio", params.mfcc.sample_rate_hz).samples, "audio", params, "leave the audio out");
    });
  }
  if (media.pos_lines) put(Modality::Text, "pos", [&] { m.text = join_lines(*media.pos_lines); });
  if (media.sensor_csv) {
    put(Modality::Sensor, "sensor", [&] {
      m.sensor_window = features::resample_window(sensor_series(parse_csv(*media.sensor_csv, "sensor"), params.sensor),
                                                  params.sensor);
    });
  }
  return m;
}

SampleMedia load_sample(const Manifest& manifest, const ManifestRow& row, const PosLogs& pos,
                        const PipelineParams& params) {
  SampleMedia m;
  for (Modality mod : datasets::kModalities) {
    const int k = static_cast<int>(mod);
    const fs::path& file = row.media[k];
    if (file.empty()) continue;
    try {
      if (mod != Modality::Text && !fs::is_regular_file(file)) {
        throw Error(ErrorKind::Io, "file not found", file.string(),
                    "check the path; it is relative to the manifest's folder");
      }
      switch (mod) {
        case Modality::Visual:
          m.frames = decode_clip(file, params.visual);
          break;
        case Modality::Audio: {
          m.audio = audio_clip(features::read_wav(file, params.mfcc.sample_rate_hz).samples, file.string(), params);
          break;
        }
        case Modality::Text:
          m.text = pos.text(file, row.sample_id);
          break;
        case Modality::Sensor:
          m.sensor_window = features::resample_window(read_sensor_csv(file, params.sensor), params.sensor);
          break;
      }
    } catch (const Error& e) {
      std::string where = manifest.where(row) + ", " + datasets::to_string(mod) + " file " + e.where();
      std::string fix = e.fix().empty() ? "fix or replace the file, leave the cell empty (modality missing), or "
                                          "pass --skip-bad to leave the sample out"
                                        : e.fix();
      throw Error(e.kind(), e.problem(), where, fix);
    } catch (const std::exception& e) {  // a decoder's own exception (OpenCV)
      throw Error(ErrorKind::Data, std::string("cannot decode the file: ") + e.what(),
                  manifest.where(row) + ", " + datasets::to_string(mod) + " file " + file.string(),
                  "fix or replace the file, or pass --skip-bad to leave the sample out");
    }
    m.present[k] = true;
  }
  return m;
}

}  // namespace storefuse::pipeline
