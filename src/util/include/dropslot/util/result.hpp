#pragma once
// result<T>: an expected failure as a value.
//
// g++ 12 has no std::expected, so this is a small stand-in with the same member
// names (has_value, value, error, operator*, operator->), so that moving to C++23
// is a one-line change. The error is `dropslot::error`: a std::error_code from a
// part's own category plus a human-readable detail. Broken invariants are asserts,
// not results.
#include <cassert>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace dropslot {

/// An expected failure: what went wrong (`code`, from the part's enum and category)
/// and, for logs and developers, the specifics (`detail`). The detail may reach a
/// client only where the part says so (S3 error messages, API messages).
struct error {
  std::error_code code;
  std::string detail;

  std::string message() const { return detail.empty() ? code.message() : code.message() + ": " + detail; }
};

template <class E>
class unexpected {
 public:
  explicit unexpected(E e) : e_(std::move(e)) {}
  E& value() & { return e_; }
  E&& value() && { return std::move(e_); }

 private:
  E e_;
};

/// Builds the error side: `return fail(sigv4_errc::expired, "...");`.
template <class Enum>
  requires std::is_error_code_enum_v<Enum>
unexpected<error> fail(Enum e, std::string detail = {}) {
  return unexpected<error>(error{make_error_code(e), std::move(detail)});
}
inline unexpected<error> fail(error e) { return unexpected<error>(std::move(e)); }

template <class T, class E = error>
class [[nodiscard]] result {
 public:
  using value_type = T;
  using error_type = E;

  template <class U = T>
    requires std::is_constructible_v<T, U&&>
  result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT: implicit like std::expected
  result(unexpected<E> e) : v_(std::in_place_index<1>, std::move(e).value()) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  E& error() & { assert(!has_value()); return std::get<1>(v_); }
  const E& error() const& { assert(!has_value()); return std::get<1>(v_); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& u) const& { return has_value() ? value() : static_cast<T>(std::forward<U>(u)); }

 private:
  std::variant<T, E> v_;
};

/// result<void>: success carries nothing.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  result(unexpected<E> e) : e_(std::move(e).value()), ok_(false) {}

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const { assert(ok_); }
  const E& error() const& { assert(!ok_); return e_; }
  E&& error() && { assert(!ok_); return std::move(e_); }

 private:
  E e_{};
  bool ok_ = true;
};

}  // namespace dropslot
