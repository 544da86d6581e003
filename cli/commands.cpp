#include "command.h"

namespace storefuse::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
  };
  return list;
}

}  // namespace storefuse::cli
