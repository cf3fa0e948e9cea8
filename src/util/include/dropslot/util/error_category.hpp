#pragma once
// A helper to declare a part's error enum and its std::error_category in a few lines.
//
//   enum class sigv4_errc { expired = 1, ... };
//   DROPSLOT_ERROR_CATEGORY(dropslot::sigv4, sigv4_errc, "sigv4", message_fn)
//
// where message_fn is `const char* fn(sigv4_errc)`. The macro defines the category
// object, make_error_code() in the enum's namespace, and the is_error_code_enum trait.
#include <string>
#include <system_error>

#define DROPSLOT_ERROR_CATEGORY_DECL(ns, enum_name)                                   \
  namespace ns {                                                                     \
  const std::error_category& enum_name##_category() noexcept;                        \
  inline std::error_code make_error_code(enum_name e) noexcept {                     \
    return {static_cast<int>(e), enum_name##_category()};                            \
  }                                                                                  \
  }                                                                                  \
  template <>                                                                        \
  struct std::is_error_code_enum<ns::enum_name> : std::true_type {};

#define DROPSLOT_ERROR_CATEGORY_IMPL(ns, enum_name, cat_name, message_fn)            \
  namespace ns {                                                                     \
  namespace {                                                                        \
  class enum_name##_category_impl final : public std::error_category {              \
   public:                                                                           \
    const char* name() const noexcept override { return cat_name; }                  \
    std::string message(int ev) const override {                                     \
      return message_fn(static_cast<enum_name>(ev));                                 \
    }                                                                                \
  };                                                                                 \
  }                                                                                  \
  const std::error_category& enum_name##_category() noexcept {                       \
    static const enum_name##_category_impl c;                                        \
    return c;                                                                        \
  }                                                                                  \
  }
