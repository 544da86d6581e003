#include <iostream>

#include "command.h"
#include "storefuse/core/error.h"

namespace storefuse::cli {

bool parse_args(const std::string& command, const std::string& usage,
                const po::options_description& options,
                const std::vector<std::string>& args, po::variables_map& vm,
                const po::positional_options_description* positional) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help and exit");
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: storefuse " << command << " " << usage << "\n\n" << all << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::Usage, e.what(), "storefuse " + command,
                "run 'storefuse " + command + " --help' for the options");
  }
  return true;
}

}  // namespace storefuse::cli
