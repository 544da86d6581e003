// Errors that tell the user what went wrong, where, and how to fix it.
#pragma once

#include <stdexcept>
#include <string>

namespace storefuse {

// What kind of failure an Error is. The executables map it to their exit
// code (storefuse/core/exit_code.h); the error type itself knows nothing of
// processes, so the runtime core can throw it on a device.
enum class ErrorKind {
  Usage,        // bad command line
  Config,       // bad YAML or --set value
  Data,         // bad dataset or input file contents
  Io,           // file system: missing, unreadable, unwritable
  Model,        // bad model, checkpoint or ONNX file
  Unsupported,  // valid input that storefuse does not handle
  Runtime,      // anything else that fails while running
};

const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  // what: the problem; where: file:line, dataset name, node name...;
  // fix: what the user can do about it. `where` and `fix` may be empty.
  Error(ErrorKind kind, std::string what, std::string where = {},
        std::string fix = {});

  ErrorKind kind() const { return kind_; }
  const std::string& problem() const { return problem_; }
  const std::string& where() const { return where_; }
  const std::string& fix() const { return fix_; }

 private:
  ErrorKind kind_;
  std::string problem_, where_, fix_;
};

// A value from the input, quoted for a message: 'value', or its first 60
// bytes and its length when longer ('1111...' (200250 bytes)), so that a
// huge cell does not flood the terminal.
std::string quote_value(const std::string& value, size_t max_bytes = 60);

}  // namespace storefuse
