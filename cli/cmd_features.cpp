// storefuse features: what the feature extractors make of one raw input --
// the MFCC of a WAV file, the frames or descriptor of a clip, the tokens of a
// text, the window of a sensor CSV -- as a table, CSV or .npy. With
// --spec DATA.h5 the parameters (and fitted vocabulary, IDF, normalisation)
// come from a dataset's feature spec, exactly as the runtime would use them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "command.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/features/audio_vector.h"
#include "storefuse/features/mfcc.h"
#include "storefuse/features/sensor.h"
#include "storefuse/features/text.h"
#include "storefuse/features/video.h"
#include "storefuse/features/wav.h"
#include "storefuse/pipeline/feature_pipeline.h"

namespace storefuse::cli {
namespace {

namespace sf = features;
using datasets::Modality;

// A float matrix [rows, cols] with column names, printed as asked.
struct Table {
  std::vector<std::string> row_labels;  // optional first column (words); not in .npy
  std::string row_label_name;
  std::vector<std::string> columns;
  std::vector<float> values;  // row-major
  int64_t rows() const { return columns.empty() ? 0 : static_cast<int64_t>(values.size() / columns.size()); }
};

std::string npy_bytes(const Table& t) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(t.rows()) + ", " +
                       std::to_string(t.columns.size()) + "), }";
  // Pad so that magic (6) + version (2) + length (2) + header is a multiple of 64.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float));
  return out;
}

void emit(const Table& t, const std::string& format, const std::string& out_path) {
  std::ostringstream s;
  if (format == "npy") {
    if (out_path.empty()) throw Error(ErrorKind::Usage, "--format npy needs --out FILE", "storefuse features", "");
    write_file_atomic(out_path, npy_bytes(t));
    std::cerr << "wrote " << out_path << " (" << t.rows() << " x " << t.columns.size() << " float32)\n";
    return;
  }
  const bool csv = format == "csv";
  if (!csv && format != "table") throw Error(ErrorKind::Usage, "unknown format '" + format + "'", "--format", "use table, csv or npy");
  const bool labels = !t.row_labels.empty();
  auto width = [](const std::string& name) { return static_cast<int>(std::max<size_t>(10, name.size())); };
  auto cell = [&](const std::string& text, int w, bool first) {
    if (csv) s << (first ? "" : ",") << text;
    else s << (first ? "" : " ") << std::string(std::max<int>(0, w - static_cast<int>(text.size())), ' ') << text;
  };
  if (labels) cell(t.row_label_name, width(t.row_label_name), true);
  for (size_t c = 0; c < t.columns.size(); ++c) cell(t.columns[c], width(t.columns[c]), !labels && c == 0);
  s << "\n";
  for (int64_t r = 0; r < t.rows(); ++r) {
    if (labels) cell(t.row_labels[r], width(t.row_label_name), true);
    for (size_t c = 0; c < t.columns.size(); ++c) {
      char b[32];
      std::snprintf(b, sizeof b, csv ? "%.7g" : "%.4f", t.values[r * t.columns.size() + c]);
      cell(b, width(t.columns[c]), !labels && c == 0);
    }
    s << "\n";
  }
  if (out_path.empty()) std::cout << s.str();
  else write_file_atomic(out_path, s.str());
}

// Parameters: the spec's (when --spec), then each --param key=value (JSON values).
json modality_params(const po::variables_map& vm, Modality m, const char* key) {
  json p = json::object();
  if (!vm["spec"].as<std::string>().empty()) {
    auto reader = datasets::DatasetReader::open(vm["spec"].as<std::string>());
    p = reader->spec()[m].params;
  }
  json own = key && p.contains(key) ? p[key] : json::object();
  if (vm.count("param")) {
    for (const auto& kv : vm["param"].as<std::vector<std::string>>()) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) throw Error(ErrorKind::Usage, "--param expects key=value, got '" + kv + "'", "storefuse features", "");
      json value = json::parse(kv.substr(eq + 1), nullptr, /*allow_exceptions=*/false);
      own[kv.substr(0, eq)] = value.is_discarded() ? json(kv.substr(eq + 1)) : value;
    }
  }
  if (key) p[key] = own;
  return p;
}

Table mfcc_table(const std::string& file, const po::variables_map& vm, bool vector) {
  auto params = modality_params(vm, Modality::Audio, "mfcc")["mfcc"].get<sf::MfccParams>();
  sf::MfccExtractor mfcc(params);
  auto audio = sf::read_wav(file, params.sample_rate_hz);
  std::vector<float> c;
  try {
    c = mfcc.compute(audio.samples);
  } catch (const Error& e) {
    throw Error(e.kind(), e.problem(), file, e.fix());  // name the file, not the extractor
  }
  const int n = params.n_mfcc, frames = mfcc.num_frames(audio.samples.size());
  Table t;
  if (vector) {
    for (const char* stat : sf::audio_stat_names())
      for (int k = 0; k < n; ++k) t.columns.push_back(std::string(stat) + "_" + std::to_string(k));
    t.values = sf::audio_vector(c.data(), n, frames);
    return t;
  }
  for (int k = 0; k < n; ++k) t.columns.push_back("mfcc_" + std::to_string(k));
  for (int f = 0; f < frames; ++f)
    for (int k = 0; k < n; ++k) t.values.push_back(c[k * frames + f]);  // one row per frame
  return t;
}

Table clip_table(const std::string& file, const po::variables_map& vm, bool vector) {
  auto params = modality_params(vm, Modality::Visual, "visual")["visual"].get<sf::VisualParams>();
  auto frames = sf::read_clip(file, params);
  Table t;
  if (vector) {
    t.columns = {"value"};
    t.values = sf::visual_vector(frames.data(), params);
    return t;
  }
  // One row per frame: the pixels of a frame would not fit a table; its
  // statistics and the row-major pixels (--format npy) do.
  t.columns = {"frame", "mean", "std", "min", "max"};
  const int px = params.frame_pixels();
  for (int f = 0; f < params.frames; ++f) {
    double sum = 0, sq = 0;
    int lo = 255, hi = 0;
    for (int i = 0; i < px; ++i) {
      int x = frames[f * px + i];
      sum += x; sq += x * x; lo = std::min(lo, x); hi = std::max(hi, x);
    }
    double mean = sum / px;
    t.values.insert(t.values.end(), {static_cast<float>(f), static_cast<float>(mean),
                                     static_cast<float>(std::sqrt(std::max(0.0, sq / px - mean * mean))),
                                     static_cast<float>(lo), static_cast<float>(hi)});
  }
  if (vm["format"].as<std::string>() == "npy") {
    t.columns.assign(px, "p");
    t.values.assign(frames.begin(), frames.end());
  }
  return t;
}

Table tokens_table(const std::string& text, const po::variables_map& vm, bool vector) {
  auto params = modality_params(vm, Modality::Text, nullptr);
  auto words = sf::split_words(text);
  Table t;
  if (vector) {
    if (!params.contains("tfidf")) throw Error(ErrorKind::Usage, "the TF-IDF vector needs fitted IDF weights", "storefuse features tokens", "pass --spec DATA.h5 of a vectors dataset");
    t.columns = {"value"};
    t.values = sf::TfidfVectorizer::from_json(params["tfidf"]).transform(text);
    return t;
  }
  std::vector<int32_t> ids;
  if (params.contains("tokenizer")) ids = sf::Tokenizer::from_json(params["tokenizer"]).encode(text);
  t.columns = {"position", "id", "bucket768"};  // id -1: no tokenizer (no --spec) or past max_len
  t.row_label_name = "word";
  for (size_t i = 0; i < words.size(); ++i) {
    t.row_labels.push_back(words[i]);
    t.values.insert(t.values.end(), {static_cast<float>(i), ids.empty() || i >= ids.size() ? -1.0f : static_cast<float>(ids[i]),
                                     static_cast<float>(sf::fnv1a32(words[i]) % 768)});
  }
  return t;
}

Table sensor_table(const std::string& file, const po::variables_map& vm, bool vector) {
  auto params = modality_params(vm, Modality::Sensor, "sensor");
  sf::SensorParams p = sf::SensorParams::retail_defaults();
  if (params.contains("sensor") && !params["sensor"].empty()) p = params["sensor"].get<sf::SensorParams>();
  auto w = sf::resample_window(pipeline::read_sensor_csv(file, p), p);
  std::optional<sf::SensorNormaliser> norm;
  if (params.contains("normalisation")) norm = sf::SensorNormaliser::from_json(params["normalisation"], p.num_channels());
  Table t;
  for (const auto& c : p.channels) t.columns.push_back(c.name);
  if (vector) {
    t.values = sf::sensor_vector(w.data(), p);
    if (norm) norm->normalise_vector(t.values.data());
  } else {
    if (norm) norm->normalise_window(w.data(), p.steps);
    t.values = w;
  }
  return t;
}

}  // namespace

int run_features(const std::vector<std::string>& args) {
  const std::string usage =
      "KIND INPUT [options]: mfcc FILE.wav | frames CLIP.avi | tokens TEXT | sensor FILE.csv\n"
      "       [--vector] [--spec DATA.h5] [--param key=value ...] [--format table|csv|npy] [--out FILE]";
  po::options_description opts("options");
  opts.add_options()
      ("vector", po::bool_switch(), "the seed model's vector instead of the sequence input")
      ("spec", po::value<std::string>()->default_value(""), "take parameters and fitted state from this dataset's feature spec")
      ("param", po::value<std::vector<std::string>>()->composing(), "override one extractor parameter, e.g. --param n_mfcc=20")
      ("format", po::value<std::string>()->default_value("table"), "table, csv or npy (npy needs --out)")
      ("out", po::value<std::string>()->default_value(""), "write here instead of stdout");
  po::variables_map vm;
  if (!parse_args("features", usage, opts, args, vm,
                  {{"kind", "mfcc, frames, tokens or sensor"}, {"input", "the file (for tokens, the text)"}})) {
    return kExitOk;
  }
  const std::string kind = vm["kind"].as<std::string>(), input = vm["input"].as<std::string>();
  const bool vector = vm["vector"].as<bool>();
  Table t;
  if (kind == "mfcc") t = mfcc_table(input, vm, vector);
  else if (kind == "frames") t = clip_table(input, vm, vector);
  else if (kind == "tokens") t = tokens_table(input, vm, vector);
  else if (kind == "sensor") t = sensor_table(input, vm, vector);
  else throw Error(ErrorKind::Usage, "unknown kind '" + kind + "'", "storefuse features", "use mfcc, frames, tokens or sensor");
  emit(t, vm["format"].as<std::string>(), vm["out"].as<std::string>());
  return kExitOk;
}

}  // namespace storefuse::cli
