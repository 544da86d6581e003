#include "storefuse/core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "storefuse/core/error.h"
#include "storefuse/core/warn.h"

namespace storefuse {

void init_logging(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    throw Error(ErrorKind::Usage, "unknown log level '" + level + "'", "--log-level",
                "use one of trace, debug, info, warn, error, off");
  }
  auto logger = spdlog::stderr_color_mt("storefuse");
  logger->set_pattern("%^[%H:%M:%S.%e %l]%$ %v");
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  set_warning_sink([](const std::string& message) { spdlog::warn("{}", message); });
}

}  // namespace storefuse
