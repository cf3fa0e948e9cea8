#pragma once
// A shared library loaded when first needed (dlopen) rather than at process start.
//
// Every library in an executable's DT_NEEDED list, and every library those need, is
// mapped and relocated before main(). libcurl and libpq bring about 30 between them
// (GnuTLS, Kerberos, LDAP...), about 3 ms of every start, while many runs never call
// them: `dropslot lambda` with SQLite answers an upload-url event without either
// (docs/benchmarks/lambda.md). The Lambda package still bundles them (deploy/package).
#include <dlfcn.h>

#include <string>

namespace dropslot::util {

/// Opened through the loader's usual search (LD_LIBRARY_PATH, the bundled loader's
/// --library-path, ld.so.cache), by SONAME. Never closed: its functions stay in use
/// until exit.
class shared_library {
 public:
  explicit shared_library(const char* soname) : soname_(soname) {
    handle_ = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) error_ = last_dl_error();
  }

  /// True when the library and every symbol resolved so far were found.
  bool ok() const { return handle_ && error_.empty(); }
  /// What failed ("libpq.so.5: cannot open shared object file..."), empty when ok().
  const std::string& error() const { return error_; }

  /// Sets `fn` to the function `name` (nullptr, and an error, when it is missing).
  template <class F>
  void resolve(F*& fn, const char* name) {
    fn = nullptr;
    if (!handle_) return;
    void* p = ::dlsym(handle_, name);
    if (!p && error_.empty()) error_ = soname_ + " has no symbol " + name;
    fn = reinterpret_cast<F*>(p);
  }

 private:
  static std::string last_dl_error() {
    const char* e = ::dlerror();
    return e ? e : "dlopen failed";
  }

  std::string soname_;
  void* handle_ = nullptr;
  std::string error_;
};

}  // namespace dropslot::util
