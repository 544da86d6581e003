#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "storefuse/core/error.h"
#include "storefuse/features/video.h"

namespace storefuse::features {

void preprocess_frame(const cv::Mat& frame, const VisualParams& p, uint8_t* out) {
  cv::Mat gray;
  if (frame.channels() == 3) {
    cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
  } else if (frame.channels() == 4) {
    cv::cvtColor(frame, gray, cv::COLOR_BGRA2GRAY);
  } else {
    gray = frame;
  }
  if (gray.depth() != CV_8U) {
    throw Error(ErrorKind::Data, "frame depth is not 8-bit", "visual features",
                "decode or convert frames to 8-bit images");
  }
  cv::Mat dst(p.height, p.width, CV_8UC1, out);  // writes straight into `out`
  if (gray.rows == p.height && gray.cols == p.width) {
    gray.copyTo(dst);
  } else {
    cv::resize(gray, dst, cv::Size(p.width, p.height), 0, 0, cv::INTER_AREA);
  }
}

std::vector<uint8_t> frames_from_mats(const std::vector<cv::Mat>& clip, const VisualParams& p) {
  if (clip.empty()) {
    throw Error(ErrorKind::Data, "the clip has no frames", "visual features", "");
  }
  std::vector<uint8_t> out(static_cast<size_t>(p.frames) * p.frame_pixels());
  auto idx = sample_frame_indices(static_cast<int>(clip.size()), p.frames);
  for (int t = 0; t < p.frames; ++t) {
    preprocess_frame(clip[idx[t]], p, out.data() + static_cast<size_t>(t) * p.frame_pixels());
  }
  return out;
}

namespace {

// A corrupt file is reported once, as a storefuse error: OpenCV's and
// FFmpeg's own log lines about it are silenced (unless the user asked for
// FFmpeg's with OPENCV_FFMPEG_LOGLEVEL).
// FFmpeg's level is read from the environment when OpenCV opens a file, so
// it is set while the program starts, before any thread exists: setenv
// beside a running getenv (a decoding thread of the pool) is a data race.
[[maybe_unused]] const bool kFfmpegQuiet = ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0) == 0;  // AV_LOG_QUIET

void quiet_decoders() {
  static std::once_flag once;
  std::call_once(once, [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
}

}  // namespace

std::vector<uint8_t> read_clip(const std::filesystem::path& path, const VisualParams& p) {
  quiet_decoders();
  cv::VideoCapture cap(path.string());
  if (!cap.isOpened()) {
    throw Error(ErrorKind::Io, "cannot open video", path.string(),
                "check the path and that OpenCV was built with a decoder for this format");
  }
  double fps = cap.get(cv::CAP_PROP_FPS);
  int limit = p.window_s > 0 && fps > 0 ? static_cast<int>(p.window_s * fps + 0.5) : -1;
  // Frame counts in container headers are unreliable, so decode the window
  // once, keeping each frame already reduced to H x W gray.
  std::vector<cv::Mat> small;
  cv::Mat frame;
  while ((limit < 0 || static_cast<int>(small.size()) < limit) && cap.read(frame)) {
    cv::Mat g(p.height, p.width, CV_8UC1);
    preprocess_frame(frame, p, g.data);
    small.push_back(g);
  }
  if (small.empty()) {
    throw Error(ErrorKind::Data, "no frame could be decoded", path.string(), "");
  }
  return frames_from_mats(small, p);
}

std::vector<std::string> encode_clip_frames(const std::filesystem::path& path, const std::string& ext, double& fps) {
  quiet_decoders();
  cv::VideoCapture cap(path.string());
  if (!cap.isOpened()) throw Error(ErrorKind::Io, "cannot open video", path.string(), "check the path");
  fps = cap.get(cv::CAP_PROP_FPS);
  std::vector<std::string> out;
  cv::Mat frame;
  std::vector<uint8_t> bytes;
  while (cap.read(frame)) {
    if (!cv::imencode(ext, frame, bytes)) throw Error(ErrorKind::Usage, "OpenCV cannot encode " + ext + " images", path.string());
    out.emplace_back(bytes.begin(), bytes.end());
  }
  if (out.empty()) throw Error(ErrorKind::Data, "no frame could be decoded", path.string(), "");
  return out;
}

void image_to_gray(std::string_view image, const VisualParams& p, uint8_t* out, const std::string& name) {
  quiet_decoders();
  const cv::Mat encoded(1, static_cast<int>(image.size()), CV_8UC1, const_cast<char*>(image.data()));
  // A JPEG stores the BT.601 luma itself (its Y channel): libjpeg hands it
  // over without decoding colour, half the work of decoding BGR and
  // converting back. It differs from cvtColor of the BGR only where a
  // channel clips at 0 or 255. Other formats decode as stored.
  const bool jpeg = image.size() >= 3 && static_cast<uint8_t>(image[0]) == 0xFF &&
                    static_cast<uint8_t>(image[1]) == 0xD8 && static_cast<uint8_t>(image[2]) == 0xFF;
  cv::Mat frame = image.empty() ? cv::Mat() : cv::imdecode(encoded, jpeg ? cv::IMREAD_GRAYSCALE : cv::IMREAD_UNCHANGED);
  if (frame.empty()) {
    throw Error(ErrorKind::Data, name + " is not an image OpenCV decodes",
                name + " (" + std::to_string(image.size()) + " bytes)",
                "send JPEG or PNG images, or the clip as one video file");
  }
  preprocess_frame(frame, p, out);
}

std::vector<uint8_t> frames_from_images(const std::vector<std::string>& images, const VisualParams& p) {
  std::vector<cv::Mat> small;
  for (size_t i = 0; i < images.size(); ++i) {
    cv::Mat g(p.height, p.width, CV_8UC1);
    image_to_gray(images[i], p, g.data, "frame " + std::to_string(i));
    small.push_back(g);
  }
  return frames_from_mats(small, p);
}

std::vector<uint8_t> read_clip_bytes(std::string_view bytes, const VisualParams& p) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  std::string path = (dir / "storefuse-clip-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) throw Error(ErrorKind::Io, "cannot create a temporary file for the video", dir.string(), "check TMPDIR");
  struct Remove {
    std::string path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove{path};
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw Error(ErrorKind::Io, "cannot write the video to a temporary file", path, "check the space in TMPDIR");
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  try {
    return read_clip(path, p);
  } catch (const Error& e) {  // the bytes were written: what does not open is not a video OpenCV decodes
    throw Error(ErrorKind::Data, e.problem() + " (" + std::to_string(bytes.size()) + " bytes)", "",
                "send a video file OpenCV decodes (AVI, MP4, ...), or the frames as JPEG or PNG images");
  }
}

}  // namespace storefuse::features
