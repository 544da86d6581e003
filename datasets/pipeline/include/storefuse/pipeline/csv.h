// A small CSV reader for ingest's inputs (manifest, labels, POS logs, sensor
// readings): RFC 4180 fields (comma separated, double quotes around fields
// that hold commas, quotes or line breaks, "" for a quote inside), LF or CRLF
// line ends, a header row naming the columns. Every row keeps the line it
// started on, so errors can say "file:line".
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace storefuse::pipeline {

struct CsvTable {
  std::filesystem::path file;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each has header.size() fields
  std::vector<int64_t> lines;                  // 1-based line each row starts on

  // Index of a column, or -1.
  int column(const std::string& name) const;
  // Index of a column; throws Error (Data) naming the file and the column
  // when the header lacks it.
  int require(const std::string& name) const;
  // "file:line" of row r.
  std::string where(size_t r) const;
};

// Reads a whole file. Throws Error (Io) when it cannot be read, (Data) for an
// empty file, an unterminated quote, or a row whose field count differs from
// the header's (naming the line).
CsvTable read_csv(const std::filesystem::path& file);
// The same from text in memory (a request's upload); `name` stands for the
// file in errors ("name:line").
CsvTable parse_csv(std::string_view text, const std::filesystem::path& name);

// Strict number parsing of one cell: the whole cell must be the number.
// Throws Error (Data) with `where` and the column name.
double parse_double(const std::string& cell, const std::string& column, const std::string& where);
float parse_float(const std::string& cell, const std::string& column, const std::string& where);
int64_t parse_int(const std::string& cell, const std::string& column, const std::string& where);

}  // namespace storefuse::pipeline
