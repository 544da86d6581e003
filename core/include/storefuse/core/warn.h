// Warnings from the libraries that must not depend on a logging library
// (feature extractors, dataset reader, runtime services): one line each, to
// a sink the program chooses; "warning: <message>" on stderr until it does.
// storefuse's init_logging() routes them to spdlog.
#pragma once

#include <string>

namespace storefuse {

using WarningSink = void (*)(const std::string& message);

// nullptr restores the stderr sink. Thread-safe.
void set_warning_sink(WarningSink sink);
void warn(const std::string& message);

}  // namespace storefuse
