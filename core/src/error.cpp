#include "storefuse/core/error.h"

namespace storefuse {
namespace {

std::string format(const std::string& what, const std::string& where,
                   const std::string& fix) {
  std::string s = what;
  if (!where.empty()) s += "\n  where: " + where;
  if (!fix.empty()) s += "\n  fix:   " + fix;
  return s;
}

}  // namespace

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage: return "usage error";
    case ErrorKind::Config: return "config error";
    case ErrorKind::Data: return "data error";
    case ErrorKind::Io: return "I/O error";
    case ErrorKind::Model: return "model error";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::Runtime: return "error";
  }
  return "error";
}

Error::Error(ErrorKind kind, std::string what, std::string where, std::string fix)
    : std::runtime_error(format(what, where, fix)),
      kind_(kind),
      problem_(std::move(what)),
      where_(std::move(where)),
      fix_(std::move(fix)) {}

std::string quote_value(const std::string& value, size_t max_bytes) {
  if (value.size() <= max_bytes) return "'" + value + "'";
  return "'" + value.substr(0, max_bytes) + "...' (" + std::to_string(value.size()) + " bytes)";
}

}  // namespace storefuse
