// Structured logging through spdlog. Call init_logging() once in main();
// then use spdlog::info/warn/error/debug directly. It also routes
// storefuse::warn (core/warn.h) to spdlog.
#pragma once

#include <string>

namespace storefuse {

// level: trace|debug|info|warn|error|off. Logs go to stderr so that stdout
// stays clean for tables and machine-readable output.
void init_logging(const std::string& level = "info");

}  // namespace storefuse
