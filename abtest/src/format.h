// Number and text formatting shared by the Markdown and HTML reports.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace storefuse::abtest::format {

// "%.{digits}g", "n/a" for NaN.
inline std::string g(double v, int digits = 4) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// Fixed decimals, with an explicit sign when `sign`.
inline std::string f(double v, int decimals = 4, bool sign = false) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", decimals, v);
  return buf;
}

// p-values: 4 significant digits, "<1e-16" below double resolution.
inline std::string p(double v) {
  if (std::isnan(v)) return "n/a";
  if (v < 1e-16) return "<1e-16";
  return g(v, 4);
}

inline std::string html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace storefuse::abtest::format
