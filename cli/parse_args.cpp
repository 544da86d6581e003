#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iostream>

#include "command.h"
#include "storefuse/core/error.h"

namespace storefuse::cli {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

bool parse_args(const std::string& command, const std::string& usage,
                const po::options_description& options,
                const std::vector<std::string>& args, po::variables_map& vm,
                const std::vector<Argument>& arguments) {
  po::options_description shown(options);
  shown.add_options()("help,h", "show this help and exit");
  po::options_description all(shown);
  po::positional_options_description positional;
  for (const Argument& a : arguments) {
    all.add_options()(a.name, po::value<std::string>(), a.help);
    positional.add(a.name, 1);
  }
  const std::string where = "storefuse " + command;
  const std::string help_hint = "run 'storefuse " + command + " --help' for the arguments and options";
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: storefuse " << command << " " << usage << "\n\n";
      if (!arguments.empty()) {
        std::cout << "arguments:\n";
        for (const Argument& a : arguments) std::cout << "  " << std::left << std::setw(20) << upper(a.name) << a.help << "\n";
        std::cout << "\n";
      }
      std::cout << shown << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::too_many_positional_options_error&) {
    throw Error(ErrorKind::Usage, "too many arguments (expected " + std::to_string(arguments.size()) + ")", where,
                help_hint);
  } catch (const po::error& e) {
    throw Error(ErrorKind::Usage, e.what(), where, help_hint);
  }
  for (const Argument& a : arguments) {
    if (!vm.count(a.name)) throw Error(ErrorKind::Usage, "missing argument " + upper(a.name), where, help_hint);
  }
  return true;
}

}  // namespace storefuse::cli
