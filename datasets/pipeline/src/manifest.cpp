#include "storefuse/pipeline/manifest.h"

#include <algorithm>
#include <set>

#include "storefuse/core/error.h"
#include "storefuse/pipeline/csv.h"

namespace storefuse::pipeline {
namespace fs = std::filesystem;
using datasets::Modality;

namespace {

// Manifest media columns, in datasets::Modality order.
constexpr std::array<const char*, datasets::kNumModalities> kMediaColumns = {"video", "audio", "pos", "sensor"};

}  // namespace

std::string Manifest::where(const ManifestRow& row) const {
  return file.string() + ":" + std::to_string(row.line) + " (sample_id " + std::to_string(row.sample_id) + ")";
}

Manifest read_manifest(const fs::path& file) {
  CsvTable t = read_csv(file);
  const std::set<std::string> known = {"sample_id", "customer_id", "store_id", "camera_id", "timestamp",
                                       "video",     "audio",       "sensor",   "pos"};
  for (const auto& h : t.header) {
    if (!known.count(h)) {
      throw Error(ErrorKind::Data, "unknown column '" + h + "'", file.string() + ":1",
                  "the manifest's columns are sample_id, customer_id, store_id, camera_id, timestamp, video, audio, "
                  "sensor, pos (docs/ingest.md)");
    }
  }
  const int id_col = t.require("sample_id");
  std::array<int, datasets::kNumModalities> media_col{};
  for (int m = 0; m < datasets::kNumModalities; ++m) media_col[m] = t.require(kMediaColumns[m]);
  const int customer = t.column("customer_id"), store = t.column("store_id"), camera = t.column("camera_id"),
            time = t.column("timestamp");
  if (t.rows.empty()) {
    throw Error(ErrorKind::Data, "the manifest lists no samples", file.string(), "add one row per sample");
  }
  Manifest man;
  man.file = file;
  const fs::path base = file.parent_path();
  std::set<int64_t> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& f = t.rows[r];
    const std::string where = t.where(r);
    ManifestRow row;
    row.line = t.lines[r];
    row.sample_id = parse_int(f[id_col], "sample_id", where);
    if (!seen.insert(row.sample_id).second) {
      throw Error(ErrorKind::Data, "sample_id " + f[id_col] + " appears twice", where, "give every sample its own id");
    }
    if (customer >= 0 && !f[customer].empty()) row.customer_id = parse_int(f[customer], "customer_id", where);
    if (store >= 0 && !f[store].empty()) row.store_id = static_cast<int32_t>(parse_int(f[store], "store_id", where));
    if (camera >= 0 && !f[camera].empty()) row.camera_id = static_cast<int32_t>(parse_int(f[camera], "camera_id", where));
    if (time >= 0 && !f[time].empty()) row.timestamp = parse_double(f[time], "timestamp", where);
    for (int m = 0; m < datasets::kNumModalities; ++m) {
      const std::string& cell = f[media_col[m]];
      if (!cell.empty()) row.media[m] = fs::path(cell).is_absolute() ? fs::path(cell) : base / cell;
    }
    man.rows.push_back(std::move(row));
  }
  return man;
}

PosLogs PosLogs::read(const Manifest& manifest) {
  PosLogs logs;
  for (const auto& row : manifest.rows) {
    const fs::path& path = row.media[static_cast<int>(Modality::Text)];
    if (path.empty() || logs.files_.count(path)) continue;
    File& f = logs.files_[path];
    try {
      CsvTable t = read_csv(path);
      const int id_col = t.require("sample_id"), line_col = t.require("line"), text_col = t.require("text");
      std::map<int64_t, std::map<int64_t, std::string>> lines;  // sample -> line -> text
      for (size_t r = 0; r < t.rows.size(); ++r) {
        const auto& cells = t.rows[r];
        // A row whose sample is known fails that sample alone; one whose
        // sample_id does not read fails the file.
        const int64_t id = parse_int(cells[id_col], "sample_id", t.where(r));
        if (f.bad.count(id)) continue;  // its first bad row is the one reported
        try {
          const int64_t line = parse_int(cells[line_col], "line", t.where(r));
          if (!lines[id].emplace(line, cells[text_col]).second) {
            throw Error(ErrorKind::Data, "sample_id " + cells[id_col] + " has line " + cells[line_col] + " twice",
                        t.where(r), "number each sample's log lines 0, 1, 2, ...");
          }
        } catch (const Error&) {
          f.bad[id] = std::current_exception();
          lines.erase(id);
        }
      }
      for (auto& [id, by_line] : lines) {
        std::string text;
        bool first = true;
        for (auto& entry : by_line) {
          if (!first) text += '\n';
          text += entry.second;
          first = false;
        }
        f.texts[id] = std::move(text);
      }
    } catch (const Error&) {
      f.error = std::current_exception();
    }
  }
  return logs;
}

std::string PosLogs::text(const fs::path& file, int64_t sample_id) const {
  const File& f = files_.at(file);
  if (f.error) std::rethrow_exception(f.error);
  if (auto bad = f.bad.find(sample_id); bad != f.bad.end()) std::rethrow_exception(bad->second);
  auto it = f.texts.find(sample_id);
  return it == f.texts.end() ? std::string() : it->second;
}

std::vector<std::string> class_names_from_labels(const fs::path& file) {
  CsvTable t = read_csv(file);
  const int name_col = t.require("behavior"), id_col = t.column("behavior_id");
  std::map<int64_t, std::string> by_id;
  std::set<std::string> names;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string& name = t.rows[r][name_col];
    names.insert(name);
    if (id_col < 0) continue;
    const int64_t id = parse_int(t.rows[r][id_col], "behavior_id", t.where(r));
    auto [it, fresh] = by_id.emplace(id, name);
    if (!fresh && it->second != name) {
      throw Error(ErrorKind::Data, "behavior_id " + std::to_string(id) + " is '" + it->second + "' and '" + name + "'",
                  t.where(r), "give each class one id");
    }
  }
  if (id_col < 0) return {names.begin(), names.end()};
  std::vector<std::string> out;
  for (auto& [id, name] : by_id) {
    if (id != static_cast<int64_t>(out.size())) {
      throw Error(ErrorKind::Data, "no sample has behavior_id " + std::to_string(out.size()), file.string(),
                  "name every class with --classes, or take them from a dataset with --spec");
    }
    out.push_back(name);
  }
  return out;
}

std::map<int64_t, Label> read_labels(const fs::path& file, const std::vector<std::string>& class_names) {
  CsvTable t = read_csv(file);
  const int id_col = t.require("sample_id"), name_col = t.require("behavior"), dwell_col = t.require("dwell_s"),
            eng_col = t.require("engagement"), bid_col = t.column("behavior_id");
  std::map<int64_t, Label> labels;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& f = t.rows[r];
    const std::string where = t.where(r);
    auto cls = std::find(class_names.begin(), class_names.end(), f[name_col]);
    if (cls == class_names.end()) {
      std::string list;
      for (const auto& c : class_names) list += (list.empty() ? "" : ", ") + c;
      throw Error(ErrorKind::Data, "unknown behavior '" + f[name_col] + "'", where, "use one of: " + list);
    }
    Label l;
    l.behavior = cls - class_names.begin();
    if (bid_col >= 0 && parse_int(f[bid_col], "behavior_id", where) != l.behavior) {
      throw Error(ErrorKind::Data, "behavior_id " + f[bid_col] + " disagrees with '" + f[name_col] + "' (class " +
                                       std::to_string(l.behavior) + ")",
                  where, "fix the id, or leave the behavior_id column out");
    }
    l.dwell_s = parse_float(f[dwell_col], "dwell_s", where);
    l.engagement = parse_float(f[eng_col], "engagement", where);
    if (!(l.dwell_s >= 0)) throw Error(ErrorKind::Data, "dwell_s must be >= 0 seconds", where, "");
    if (!(l.engagement >= 0 && l.engagement <= 1)) throw Error(ErrorKind::Data, "engagement must be in [0, 1]", where, "");
    if (!labels.emplace(parse_int(f[id_col], "sample_id", where), l).second) {
      throw Error(ErrorKind::Data, "sample_id " + f[id_col] + " is labelled twice", where, "keep one label per sample");
    }
  }
  return labels;
}

}  // namespace storefuse::pipeline
