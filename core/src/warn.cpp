#include "storefuse/core/warn.h"

#include <atomic>
#include <cstdio>

namespace storefuse {
namespace {

void to_stderr(const std::string& message) { std::fprintf(stderr, "warning: %s\n", message.c_str()); }

std::atomic<WarningSink> sink{&to_stderr};

}  // namespace

void set_warning_sink(WarningSink s) { sink.store(s ? s : &to_stderr); }

void warn(const std::string& message) { sink.load()(message); }

}  // namespace storefuse
