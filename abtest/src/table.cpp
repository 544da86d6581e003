#include "storefuse/abtest/table.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/json.h"

namespace storefuse::abtest {

bool Table::has(const std::string& name) const {
  return std::find(columns.begin(), columns.end(), name) != columns.end();
}

const std::vector<std::string>& Table::column(const std::string& name) const {
  auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) {
    std::string have;
    for (const auto& c : columns) have += (have.empty() ? "" : ", ") + c;
    throw Error(ErrorKind::Data, "no column '" + name + "'", source,
                "the file has: " + have);
  }
  return values_[size_t(it - columns.begin())];
}

std::vector<std::string>& Table::column_to_fill(const std::string& name) {
  auto it = std::find(columns.begin(), columns.end(), name);
  if (it != columns.end()) return values_[size_t(it - columns.begin())];
  columns.push_back(name);
  values_.emplace_back(rows(), std::string());
  return values_.back();
}

std::string Table::where(size_t row, const std::string& name) const {
  std::string w = source + ":" + std::to_string(row < lines.size() ? lines[row] : 0);
  if (!name.empty()) w += " (column " + name + ")";
  return w;
}

double Table::number(const std::string& name, size_t row) const {
  const std::string& s = column(name)[row];
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE) {
    throw Error(ErrorKind::Data, quote_value(s) + " is not a number", where(row, name),
                "write a decimal number");
  }
  return v;
}

namespace {

// A row (CSV record or JSONL line) longer than this is refused: prediction
// and label rows are a few hundred bytes.
constexpr size_t kMaxLineBytes = size_t(1) << 20;


// Splits CSV text into records of cells; quoted cells may hold commas,
// doubled quotes and newlines. Returns the 1-based line where each record starts.
std::vector<std::vector<std::string>> split_csv(const std::string& text, const std::string& source,
                                                std::vector<int64_t>& record_lines) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string cell;
  bool quoted = false, cell_started = false;
  int64_t line = 1, record_line = 1;
  auto end_record = [&] {
    record.push_back(cell);
    const bool blank = record.size() == 1 && record[0].empty() && !cell_started;
    if (!blank) {
      records.push_back(std::move(record));
      record_lines.push_back(record_line);
    }
    record.clear();
    cell.clear();
    cell_started = false;
  };
  size_t record_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i - record_start > kMaxLineBytes) {
      throw Error(ErrorKind::Data, "a row is longer than " + std::to_string(kMaxLineBytes) + " bytes",
                  source + ":" + std::to_string(record_line),
                  quoted ? "a quote is never closed: close it" : "one sample per row, a few columns each");
    }
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
    } else if (c == '"') {
      quoted = cell_started = true;
    } else if (c == ',') {
      record.push_back(cell);
      cell.clear();
      cell_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      record_line = line;
      record_start = i + 1;
    } else {
      cell += c;
      cell_started = true;
    }
  }
  if (quoted) {
    throw Error(ErrorKind::Data, "unterminated quoted cell", source + ":" + std::to_string(record_line),
                "close the quote");
  }
  if (cell_started || !record.empty()) end_record();
  return records;
}

}  // namespace

Table parse_csv(const std::string& text, const std::string& source) {
  std::vector<int64_t> lines;
  auto records = split_csv(text, source, lines);
  if (records.empty()) {
    throw Error(ErrorKind::Data, "the file is empty", source, "write a header row and one row per sample");
  }
  Table t;
  t.source = source;
  for (auto& name : records[0]) {
    if (t.has(name)) throw Error(ErrorKind::Data, "column '" + name + "' appears twice", source + ":1");
    t.column_to_fill(name);
  }
  std::vector<std::vector<std::string>*> cols;  // taken once all exist: adding a column moves them
  for (auto& name : records[0]) cols.push_back(&t.column_to_fill(name));
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != cols.size()) {
      throw Error(ErrorKind::Data,
                  "row has " + std::to_string(records[r].size()) + " cells, the header has " +
                      std::to_string(cols.size()),
                  source + ":" + std::to_string(lines[r]), "one cell per column on every row");
    }
    t.lines.push_back(lines[r]);
    for (size_t c = 0; c < cols.size(); ++c) cols[c]->push_back(std::move(records[r][c]));
  }
  return t;
}

Table parse_jsonl(const std::string& text, const std::string& source) {
  Table t;
  t.source = source;
  size_t start = 0;
  int64_t line = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string row = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
    json obj;
    try {
      obj = parse_json(row, source + ":" + std::to_string(line), {kMaxLineBytes, 2});
    } catch (const Error& e) {
      throw Error(e.kind(), e.problem(), e.where(), "one JSON object per line, with flat values");
    }
    if (!obj.is_object()) {
      throw Error(ErrorKind::Data, "a line is not a JSON object", source + ":" + std::to_string(line));
    }
    const size_t r = t.rows();
    t.lines.push_back(line);
    for (auto& [key, value] : obj.items()) {
      std::string cell;
      if (value.is_string()) {
        cell = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        cell = value.dump();
      } else if (!value.is_null()) {
        throw Error(ErrorKind::Data, "field '" + key + "' is not a string or number",
                    source + ":" + std::to_string(line), "use flat objects (p_<class> keys for probabilities)");
      }
      auto& col = t.column_to_fill(key);
      col.resize(r + 1);
      col[r] = std::move(cell);
    }
  }
  // Pad columns that later rows introduced or some rows left out.
  for (const auto& name : std::vector<std::string>(t.columns)) {
    t.column_to_fill(name).resize(t.rows());
  }
  if (t.rows() == 0) {
    throw Error(ErrorKind::Data, "the file has no rows", source, "write one JSON object per sample");
  }
  return t;
}

Table read_table(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (!std::filesystem::exists(path)) {
    throw Error(ErrorKind::Io, "no such file", path.string(), "check the path");
  }
  const std::string text = read_file(path);
  if (ext == ".csv") return parse_csv(text, path.string());
  if (ext == ".jsonl" || ext == ".ndjson") return parse_jsonl(text, path.string());
  throw Error(ErrorKind::Unsupported, "unknown table format '" + ext + "'", path.string(),
              "use .csv or .jsonl");
}

std::string csv_escape(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace storefuse::abtest
