#include "prediction_log.h"

#include <charconv>
#include <cmath>
#include <filesystem>

#include "storefuse/core/error.h"
#include "v2_codec.h"

namespace storefuse::infer::serve {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLogits = "behavior_logits";

// The columns every line has, in this order (CSV) and before the outputs.
const std::vector<std::string>& fixed_columns() {
  static const std::vector<std::string> c = {"time", "request_id", "model", "model_version", "customer_id", "experiment",
                                             "variant", "shadow", "latency_ms", "row", "outcome"};
  return c;
}

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

std::string number(float v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

std::string fixed3(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

float value_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::Float32: return t.data<float>()[i];
    case DType::Float16: return to_float(t.data<Float16>()[i]);
    case DType::Int64: return static_cast<float>(t.data<int64_t>()[i]);
    case DType::Int32: return static_cast<float>(t.data<int32_t>()[i]);
    case DType::Int8: return static_cast<float>(t.data<int8_t>()[i]);
    case DType::UInt8:
    case DType::Bool: return static_cast<float>(t.data<uint8_t>()[i]);
  }
  return 0;
}

// One row's outputs as flat (column, value) pairs: behavior_logits as
// probabilities p_<class> (softmax), one-value outputs by name, wider ones
// as name_<j>.
std::vector<std::pair<std::string, std::string>> flat_outputs(const PredictionEntry& e, int64_t row) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, t] : e.outputs) {
    const int64_t rows = t.rank() == 0 ? 1 : t.dim(0);
    if (row >= rows) continue;
    const int64_t width = rows ? t.numel() / rows : 0;
    const int64_t at = row * width;
    if (name == kLogits && width > 1) {
      float top = value_at(t, at);
      for (int64_t j = 1; j < width; ++j) top = std::max(top, value_at(t, at + j));
      double sum = 0;
      std::vector<double> p(static_cast<size_t>(width));
      for (int64_t j = 0; j < width; ++j) sum += p[size_t(j)] = std::exp(double(value_at(t, at + j)) - top);
      const auto* names = e.class_names.get();
      for (int64_t j = 0; j < width; ++j) {
        const std::string cls = names && size_t(j) < names->size() ? (*names)[size_t(j)] : "class_" + std::to_string(j);
        out.emplace_back("p_" + cls, number(float(p[size_t(j)] / sum)));
      }
    } else if (width == 1) {
      out.emplace_back(name, number(value_at(t, at)));
    } else {
      for (int64_t j = 0; j < width; ++j) out.emplace_back(name + "_" + std::to_string(j), number(value_at(t, at + j)));
    }
  }
  return out;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

PredictionLog::PredictionLog(PredictionLogOptions options, Metrics& metrics)
    : options_(std::move(options)), metrics_(metrics) {
  const std::string ext = fs::path(options_.path).extension().string();
  if (ext == ".csv") {
    csv_ = true;
  } else if (ext != ".jsonl" && ext != ".ndjson") {
    throw Error(ErrorKind::Usage, "the prediction log must end in .jsonl or .csv", options_.path,
                "the extension chooses the format");
  }
  if (options_.queue_capacity < 1) throw Error(ErrorKind::Usage, "--prediction-log-queue must be at least 1", options_.path);
  if (options_.keep < 0) throw Error(ErrorKind::Usage, "--prediction-log-keep must not be negative", options_.path);
  open_file();
  writer_ = std::thread([this] { write_loop(); });
}

PredictionLog::~PredictionLog() { close(); }

void PredictionLog::open_file() {
  file_ = std::fopen(options_.path.c_str(), "ab");
  if (!file_) throw Error(ErrorKind::Io, "cannot open the prediction log for appending", options_.path);
  std::error_code ec;
  size_ = fs::exists(options_.path, ec) ? fs::file_size(options_.path, ec) : 0;
  if (ec) size_ = 0;
  csv_columns_.clear();
}

void PredictionLog::rotate() {
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  auto numbered = [&](int i) { return options_.path + "." + std::to_string(i); };
  if (options_.keep == 0) {
    fs::remove(options_.path, ec);
  } else {
    fs::remove(numbered(options_.keep), ec);
    for (int i = options_.keep - 1; i >= 1; --i)
      if (fs::exists(numbered(i), ec)) fs::rename(numbered(i), numbered(i + 1), ec);
    fs::rename(options_.path, numbered(1), ec);
  }
  try {
    open_file();
  } catch (const Error&) {
    file_ = nullptr;  // what follows is counted as dropped
  }
}

bool PredictionLog::append(PredictionEntry entry) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_ || queue_.size() >= options_.queue_capacity) {
      metrics_.log_dropped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(entry));
  }
  wake_.notify_one();
  return true;
}

void PredictionLog::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_ && !writer_.joinable()) return;
    closing_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (file_) {
    std::fflush(file_);
    std::fclose(file_);
    file_ = nullptr;
  }
}

std::string PredictionLog::format(const PredictionEntry& e) {
  const int64_t rows = [&] {
    for (const auto& [name, t] : e.outputs) return t.rank() == 0 ? int64_t{1} : t.dim(0);
    return int64_t{1};
  }();
  // Shadow answers are marked in the variant too, so that `abtest analyse`
  // refuses a log that still holds them instead of mixing them into B.
  const std::string variant = e.shadow ? "shadow:" + e.variant : e.variant;
  const std::string outcome = e.outcome ? number(*e.outcome) : "";
  std::string lines;
  for (int64_t r = 0; r < rows; ++r) {
    const auto outputs = flat_outputs(e, r);
    const std::vector<std::string> fixed = {fixed3(e.time_s), e.request_id, e.model, e.version, e.unit_id, e.experiment,
                                            variant, e.shadow ? "true" : "false", fixed3(e.latency_ms), std::to_string(r),
                                            outcome};
    if (csv_) {
      if (csv_columns_.empty()) {
        for (const auto& o : outputs) csv_columns_.push_back(o.first);
        if (size_ == 0) {
          std::string header;
          for (const auto& c : fixed_columns()) header += (header.empty() ? "" : ",") + c;
          for (const auto& c : csv_columns_) header += "," + csv_cell(c);
          lines += header + "\n";
        }
      }
      std::string line;
      for (size_t i = 0; i < fixed.size(); ++i) line += (i ? "," : "") + csv_cell(fixed[i]);
      for (const auto& c : csv_columns_) {
        line += ",";
        for (const auto& o : outputs)
          if (o.first == c) line += o.second;
      }
      lines += line + "\n";
    } else {
      const auto& names = fixed_columns();
      std::string line = "{";
      for (size_t i = 0; i < fixed.size(); ++i) {
        const std::string& n = names[i];
        if (n == "outcome" && !e.outcome) continue;  // absent, not empty: a row without it is joined later
        const bool numeric = n == "time" || n == "latency_ms" || n == "row" || n == "shadow" || n == "outcome";
        line += (i ? "," : "") + json_quote(n) + ":" + (numeric ? fixed[i] : json_quote(fixed[i]));
      }
      for (const auto& [n, v] : outputs) line += "," + json_quote(n) + ":" + v;
      lines += line + "}\n";
    }
  }
  return lines;
}

void PredictionLog::write(const std::string& lines, size_t count) {
  if (size_ > 0 && size_ + lines.size() > options_.max_bytes) rotate();
  if (!file_ || std::fwrite(lines.data(), 1, lines.size(), file_) != lines.size()) {
    metrics_.log_dropped.fetch_add(count, std::memory_order_relaxed);
    return;
  }
  size_ += lines.size();
  metrics_.log_written.fetch_add(count, std::memory_order_relaxed);
}

void PredictionLog::write_loop() {
  std::deque<PredictionEntry> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, all written
      batch.swap(queue_);
    }
    for (const PredictionEntry& e : batch) {
      // A fresh CSV file needs its header before the first line: format
      // after any rotation the previous entry caused.
      std::string lines = format(e);
      if (csv_ && size_ > 0 && size_ + lines.size() > options_.max_bytes) {
        rotate();
        lines = format(e);
      }
      write(lines, 1);
    }
    batch.clear();
    if (file_) std::fflush(file_);
  }
}

}  // namespace storefuse::infer::serve
