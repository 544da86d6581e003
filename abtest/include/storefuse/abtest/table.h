// Tabular input files: CSV (a header row, RFC 4180 quoting) or JSON Lines
// (one flat object per line), read into named string columns. Numbers are
// parsed on access, so an error names the file, the line and the column.
//
//   Table t = read_table("predictions_a.csv");
//   const auto& ids = t.column("sample_id");
//   double dwell = t.number("dwell_s", row);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace storefuse::abtest {

class Table {
 public:
  std::string source;                 // the file, for messages
  std::vector<std::string> columns;   // in file order (JSONL: first appearance)
  std::vector<int64_t> lines;         // 1-based file line of each row

  size_t rows() const { return lines.size(); }
  bool has(const std::string& name) const;
  const std::vector<std::string>& column(const std::string& name) const;  // Data error if absent
  double number(const std::string& name, size_t row) const;  // Data error if not a number
  std::string where(size_t row, const std::string& name = {}) const;  // "file:line (column x)"

  // For the readers: the named column, appended (padded to rows()) if new.
  std::vector<std::string>& column_to_fill(const std::string& name);

 private:
  std::vector<std::vector<std::string>> values_;
};

// By extension: .csv, .jsonl / .ndjson. Io error if unreadable, Data error
// if malformed (naming the line).
Table read_table(const std::filesystem::path& path);
Table parse_csv(const std::string& text, const std::string& source);
Table parse_jsonl(const std::string& text, const std::string& source);

// CSV cell quoting, for writers.
std::string csv_escape(const std::string& cell);

}  // namespace storefuse::abtest
