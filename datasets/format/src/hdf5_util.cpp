#include "hdf5_util.h"

#include "storefuse/core/error.h"

namespace storefuse::datasets::h5 {
namespace {

std::recursive_mutex& hdf5_mutex() {
  static std::recursive_mutex mu;
  return mu;
}

const char* const kFix =
    "check that the file is a complete storefuse dataset (see docs/dataset-format.md); "
    "regenerate or re-copy it if it was cut short";

herr_t collect_message(unsigned, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (err->desc && *err->desc) {
    if (!out->empty()) *out += "; ";
    *out += err->desc;
  }
  return 0;
}

// A string type for variable-length UTF-8 values.
Handle vlen_utf8_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

std::optional<Handle> open_attr(hid_t obj, const char* name, const std::string& where) {
  htri_t exists = H5Aexists(obj, name);
  check_status(exists, std::string("cannot look up attribute '") + name + "'", where);
  if (exists == 0) return std::nullopt;
  return Handle(check_id(H5Aopen(obj, name, H5P_DEFAULT),
                         std::string("cannot open attribute '") + name + "'", where),
                H5Aclose);
}

[[noreturn]] void wrong_attr_type(const char* name, const char* want, const std::string& where) {
  throw Error(ErrorKind::Data, std::string("root attribute '") + name + "' is not " + want, where,
              kFix);
}

// Reads every string of a string attribute (scalar or 1-D), fixed or variable length.
std::vector<std::string> read_strings(hid_t attr, const char* name, const std::string& where) {
  Handle ftype(H5Aget_type(attr), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING) wrong_attr_type(name, "a string", where);
  Handle space(H5Aget_space(attr), H5Sclose);
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<std::string> out;
  if (n <= 0) return out;
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle mtype = vlen_utf8_type();
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    check_status(H5Aread(attr, mtype.get(), ptrs.data()),
                 std::string("cannot read attribute '") + name + "'", where);
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mtype.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    size_t len = H5Tget_size(ftype.get());
    std::vector<char> buf(static_cast<size_t>(n) * len);
    check_status(H5Aread(attr, ftype.get(), buf.data()),
                 std::string("cannot read attribute '") + name + "'", where);
    for (hssize_t i = 0; i < n; ++i) {
      const char* s = buf.data() + i * len;
      size_t used = 0;
      while (used < len && s[used] != '\0') ++used;
      out.emplace_back(s, used);
    }
  }
  return out;
}

}  // namespace

Hdf5Lock::Hdf5Lock() : lock_(hdf5_mutex()) {
  thread_local bool silenced = false;
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
  }
}

std::string error_detail() {
  std::string out;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_message, &out);
  H5Eclear2(H5E_DEFAULT);
  return out;
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && close_) {
    Hdf5Lock lock;
    close_(id_);
  }
  id_ = H5I_INVALID_HID;
}

hid_t check_id(hid_t id, const std::string& what, const std::string& where) {
  if (id < 0) {
    std::string detail = error_detail();
    throw Error(ErrorKind::Data, detail.empty() ? what : what + " (" + detail + ")", where, kFix);
  }
  return id;
}

void check_status(herr_t status, const std::string& what, const std::string& where) {
  check_id(status < 0 ? H5I_INVALID_HID : 0, what, where);
}

void write_string_attr(hid_t obj, const char* name, const std::string& value,
                       const std::string& where) {
  Handle type = vlen_utf8_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(check_id(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       std::string("cannot create attribute '") + name + "'", where),
              H5Aclose);
  const char* p = value.c_str();
  check_status(H5Awrite(attr.get(), type.get(), &p),
               std::string("cannot write attribute '") + name + "'", where);
}

void write_string_list_attr(hid_t obj, const char* name, const std::vector<std::string>& values,
                            const std::string& where) {
  Handle type = vlen_utf8_type();
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attr(check_id(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       std::string("cannot create attribute '") + name + "'", where),
              H5Aclose);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  check_status(H5Awrite(attr.get(), type.get(), ptrs.data()),
               std::string("cannot write attribute '") + name + "'", where);
}

void write_int_attr(hid_t obj, const char* name, int64_t value, const std::string& where) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(check_id(H5Acreate2(obj, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       std::string("cannot create attribute '") + name + "'", where),
              H5Aclose);
  check_status(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value),
               std::string("cannot write attribute '") + name + "'", where);
}

std::optional<std::string> read_string_attr(hid_t obj, const char* name, const std::string& where) {
  auto attr = open_attr(obj, name, where);
  if (!attr) return std::nullopt;
  std::vector<std::string> values = read_strings(attr->get(), name, where);
  if (values.size() != 1) wrong_attr_type(name, "a single string", where);
  return values[0];
}

std::optional<std::vector<std::string>> read_string_list_attr(hid_t obj, const char* name,
                                                              const std::string& where) {
  auto attr = open_attr(obj, name, where);
  if (!attr) return std::nullopt;
  return read_strings(attr->get(), name, where);
}

std::optional<int64_t> read_int_attr(hid_t obj, const char* name, const std::string& where) {
  auto attr = open_attr(obj, name, where);
  if (!attr) return std::nullopt;
  Handle ftype(H5Aget_type(attr->get()), H5Tclose);
  Handle space(H5Aget_space(attr->get()), H5Sclose);
  if (H5Tget_class(ftype.get()) != H5T_INTEGER ||
      H5Sget_simple_extent_npoints(space.get()) != 1) {
    wrong_attr_type(name, "an integer", where);
  }
  int64_t value = 0;
  check_status(H5Aread(attr->get(), H5T_NATIVE_INT64, &value),
               std::string("cannot read attribute '") + name + "'", where);
  return value;
}

}  // namespace storefuse::datasets::h5
