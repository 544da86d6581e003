#include "storefuse/pipeline/csv.h"

#include <charconv>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"

namespace storefuse::pipeline {

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int CsvTable::require(const std::string& name) const {
  int c = column(name);
  if (c < 0) {
    std::string have;
    for (const auto& h : header) have += (have.empty() ? "" : ",") + h;
    throw Error(ErrorKind::Data, "missing column '" + name + "'", file.string() + ":1",
                "add the column to the header (it has: " + have + "); docs/ingest.md lists the columns");
  }
  return c;
}

std::string CsvTable::where(size_t r) const { return file.string() + ":" + std::to_string(lines[r]); }

// 256 MiB: a store's POS log or sensor series for a day is a few MB.
constexpr size_t kMaxCsvBytes = size_t(256) << 20;

CsvTable read_csv(const std::filesystem::path& file) {
  std::string text;
  try {
    text = read_file(file, kMaxCsvBytes);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Io) throw;
    throw Error(ErrorKind::Io, "cannot read the file", file.string(), "check that it exists and is readable");
  }
  return parse_csv(text, file);
}

CsvTable parse_csv(std::string_view text, const std::filesystem::path& file) {
  CsvTable t;
  t.file = file;
  std::vector<std::string> row;
  std::string field;
  int64_t line = 1, row_line = 1;
  bool quoted = false, in_field = false;
  auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    if (t.header.empty() && t.rows.empty() && row_line == 1) {
      t.header = std::move(row);
    } else if (!(row.size() == 1 && row[0].empty())) {  // blank lines are skipped
      if (row.size() != t.header.size()) {
        throw Error(ErrorKind::Data,
                    "row has " + std::to_string(row.size()) + " fields, the header " + std::to_string(t.header.size()),
                    file.string() + ":" + std::to_string(row_line),
                    "quote fields that contain commas (\"a,b\") and give every row all columns");
      }
      t.rows.push_back(std::move(row));
      t.lines.push_back(row_line);
    }
    row.clear();
    in_field = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && !in_field) {
      quoted = in_field = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      in_field = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
      row_line = ++line;
    } else {
      field += c;
      in_field = true;
    }
  }
  if (quoted) {
    throw Error(ErrorKind::Data, "unterminated quoted field", file.string() + ":" + std::to_string(row_line),
                "close the quote; a quote inside a field is written \"\"");
  }
  if (!field.empty() || !row.empty()) end_row();
  if (t.header.empty() || (t.header.size() == 1 && t.header[0].empty())) {
    throw Error(ErrorKind::Data, "empty file: no header row", file.string(), "the first line names the columns");
  }
  return t;
}

namespace {

template <class T>
T parse_number(const std::string& cell, const std::string& column, const std::string& where, const char* what) {
  T v{};
  const char* begin = cell.data();
  const char* end = begin + cell.size();
  if (begin != end && *begin == '+') ++begin;
  auto r = std::from_chars(begin, end, v);
  if (cell.empty() || r.ec != std::errc() || r.ptr != end) {
    throw Error(ErrorKind::Data, "column '" + column + "': " + quote_value(cell) + " is not " + what, where,
                std::string("write ") + what + " (decimal point '.', no units)");
  }
  return v;
}

}  // namespace

double parse_double(const std::string& cell, const std::string& column, const std::string& where) {
  return parse_number<double>(cell, column, where, "a number");
}
float parse_float(const std::string& cell, const std::string& column, const std::string& where) {
  return parse_number<float>(cell, column, where, "a number");
}
int64_t parse_int(const std::string& cell, const std::string& column, const std::string& where) {
  return parse_number<int64_t>(cell, column, where, "an integer");
}

}  // namespace storefuse::pipeline
