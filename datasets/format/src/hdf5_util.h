// Thin RAII and error handling over the HDF5 C API, private to the dataset
// library. Every HDF5 call goes through a Hdf5Lock: the library's default
// build is not thread-safe, and the loader reads from several threads.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace storefuse::datasets::h5 {

// Serialises HDF5 calls and turns off HDF5's own error printing for the
// calling thread (the error stack is per thread), so failures reach the user
// only as storefuse::Error.
class Hdf5Lock {
 public:
  Hdf5Lock();
 private:
  std::unique_lock<std::recursive_mutex> lock_;
};

// The innermost messages of the current thread's HDF5 error stack, e.g.
// "truncated file: eof = 1000, sblock->base_addr = 0, stored_eof = 52384".
std::string error_detail();

// Owns an hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// Raise Error(kind Data) with `what`, the HDF5 detail and `where` (the file)
// when an id or status is negative.
hid_t check_id(hid_t id, const std::string& what, const std::string& where);
void check_status(herr_t status, const std::string& what, const std::string& where);

// Native memory types for the C++ types the format uses.
template <class T> hid_t native_type();
template <> inline hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> inline hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> inline hid_t native_type<uint8_t>() { return H5T_NATIVE_UINT8; }
template <> inline hid_t native_type<int32_t>() { return H5T_NATIVE_INT32; }
template <> inline hid_t native_type<int64_t>() { return H5T_NATIVE_INT64; }

// Root attributes. Strings are variable-length UTF-8, which h5py reads as str.
void write_string_attr(hid_t obj, const char* name, const std::string& value,
                       const std::string& where);
void write_string_list_attr(hid_t obj, const char* name, const std::vector<std::string>& values,
                            const std::string& where);
void write_int_attr(hid_t obj, const char* name, int64_t value, const std::string& where);
// nullopt when the attribute does not exist; Error(Data) when it has another type.
std::optional<std::string> read_string_attr(hid_t obj, const char* name, const std::string& where);
std::optional<std::vector<std::string>> read_string_list_attr(hid_t obj, const char* name,
                                                              const std::string& where);
std::optional<int64_t> read_int_attr(hid_t obj, const char* name, const std::string& where);

}  // namespace storefuse::datasets::h5
