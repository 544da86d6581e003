#include "storefuse/retailsim/emit_media.h"

#include <charconv>
#include <cmath>
#include <opencv2/videoio.hpp>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/feature_spec.h"
#include "storefuse/features/wav.h"

namespace storefuse::retailsim {
namespace fs = std::filesystem;

namespace {

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// The shortest text that reads back as the same value: ingest parses the
// files and must get the numbers the dataset was computed from.
template <class T>
std::string exact(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void write_clip(const fs::path& path, const std::vector<cv::Mat>& clip) {
  // VideoWriter picks the container from the extension, so the temp file
  // keeps ".avi"; renamed into place once complete.
  fs::path tmp = path.parent_path() / ("." + path.stem().string() + ".tmp.avi");
  {
    cv::VideoWriter w(tmp.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), kClipFps,
                      cv::Size(kClipSize, kClipSize));
    if (!w.isOpened()) {
      throw Error(ErrorKind::Io, "cannot write video", tmp.string(), "check that OpenCV can encode MJPG AVI files");
    }
    for (const auto& f : clip) w.write(f);
  }
  fs::rename(tmp, path);
}

std::string sensor_csv(const features::SensorSeries& s) {
  std::string out = "timestamp_s";
  for (const auto& c : features::SensorParams::retail_defaults().channels) out += "," + c.name;
  out += "\n";
  for (int64_t r = 0; r < s.rows(); ++r) {
    out += exact(s.time_s[r]);
    for (int c = 0; c < s.channels; ++c) {
      float x = s.values[r * s.channels + c];
      out += "," + (std::isnan(x) ? std::string() : exact(x));
    }
    out += "\n";
  }
  return out;
}

}  // namespace

MediaEmitter::MediaEmitter(fs::path dir) : dir_(std::move(dir)) {
  for (Split s : kSplits) {
    for (const char* sub : {"video", "audio", "sensor"}) fs::create_directories(dir_ / to_string(s) / sub);
  }
  csv_[0] = csv_[1] = csv_[2] = Rows{
      "sample_id,customer_id,store_id,camera_id,timestamp,video,audio,sensor,pos\n",
      "sample_id,behavior,behavior_id,dwell_s,engagement\n", "sample_id,line,text\n"};
}

MediaEmitter::Rows MediaEmitter::write_sample(const Visit& v, const RawMedia& m) const {
  const fs::path split_dir = dir_ / to_string(v.split);
  const std::string id = std::to_string(v.index);
  auto present = [&](datasets::Modality mod) { return v.missing != static_cast<int>(mod); };
  std::string video, audio, sensor, pos;
  if (present(datasets::Modality::Visual)) {
    video = "video/" + id + ".avi";
    write_clip(split_dir / video, m.clip);
  }
  if (present(datasets::Modality::Audio)) {
    audio = "audio/" + id + ".wav";
    features::write_wav(split_dir / audio, features::Audio{kAudioRateHz, m.audio});
  }
  if (present(datasets::Modality::Sensor)) {
    sensor = "sensor/" + id + ".csv";
    write_file_atomic(split_dir / sensor, sensor_csv(m.sensors));
  }
  Rows rows;
  if (present(datasets::Modality::Text)) {
    pos = "pos.csv";
    int line = 0;
    size_t start = 0;
    while (start < m.text.size()) {  // an empty text has no rows: nothing was logged
      size_t end = m.text.find('\n', start);
      if (end == std::string::npos) end = m.text.size();
      rows.pos += id + "," + std::to_string(line++) + "," + csv_quote(m.text.substr(start, end - start)) + "\n";
      start = end + 1;
    }
  }
  rows.manifest = id + "," + std::to_string(v.customer_id) + "," + std::to_string(v.store) + "," +
                  std::to_string(v.store * 2 + v.camera) + "," + exact(v.timestamp) + "," + video + "," +
                  audio + "," + sensor + "," + pos + "\n";
  rows.labels = id + "," + behavior_names()[v.label] + "," + std::to_string(v.label) + "," +
                exact(static_cast<float>(v.dwell_s)) + "," + exact(static_cast<float>(v.engagement)) + "\n";
  return rows;
}

void MediaEmitter::add_rows(Split s, const Rows& rows) {
  Rows& r = csv_[static_cast<int>(s)];
  r.manifest += rows.manifest;
  r.labels += rows.labels;
  r.pos += rows.pos;
}

void MediaEmitter::finish() {
  for (Split s : kSplits) {
    const Rows& r = csv_[static_cast<int>(s)];
    write_file_atomic(dir_ / to_string(s) / "manifest.csv", r.manifest);
    write_file_atomic(dir_ / to_string(s) / "labels.csv", r.labels);
    write_file_atomic(dir_ / to_string(s) / "pos.csv", r.pos);
  }
}

}  // namespace storefuse::retailsim
