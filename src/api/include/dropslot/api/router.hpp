#pragma once
// The API's route table: {verb, path template, handler, body limit} (STYLE.md,
// "Serving without a framework"). A template segment `{name}` matches one
// non-empty path segment, which is percent-decoded before the handler sees it.
// Matching is exact: no trailing slash, no prefix match.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/http/message.hpp"

namespace dropslot::api {

/// Values bound to `{name}` segments, in template order (at most a few).
class route_params {
 public:
  void add(std::string_view name, std::string value) { items_.emplace_back(std::string(name), std::move(value)); }
  /// The decoded value bound to `name`, or an empty view.
  std::string_view get(std::string_view name) const {
    for (const auto& [n, v] : items_)
      if (n == name) return v;
    return {};
  }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// True when `path` (raw, relative to the API base) fits `path_template`; binds
/// the `{name}` segments into `params`.
bool match_template(std::string_view path_template, std::string_view path, route_params& params);

/// True when `path` fits `path_template`, binding nothing (no allocation): for the
/// metrics' route label, where the handler's own match decides the answer.
bool fits_template(std::string_view path_template, std::string_view path) noexcept;

/// A route table. `Handler` is whatever the service calls (a member pointer, a
/// std::function). Not thread-safe to build; safe to `find` from many threads
/// once built.
template <class Handler>
class router {
 public:
  struct route {
    std::string method;
    std::string path_template;
    Handler handler;
    std::size_t body_limit;
  };

  /// The outcome of a lookup: the route (nullptr when none), its params, and
  /// whether the path exists under another verb (405 rather than 404).
  struct match {
    const route* found = nullptr;
    route_params params;
    bool other_method = false;
  };

  void add(std::string method, std::string path_template, Handler handler, std::size_t body_limit) {
    routes_.push_back({std::move(method), std::move(path_template), std::move(handler), body_limit});
  }

  match find(std::string_view method, std::string_view path) const {
    match m;
    for (const auto& r : routes_) {
      route_params p;
      if (!match_template(r.path_template, path, p)) continue;
      if (r.method == method) {
        m.found = &r;
        m.params = std::move(p);
        return m;
      }
      m.other_method = true;
    }
    return m;
  }

  /// The template `path` fits under any method, or nullptr (metrics' route label).
  const std::string* template_of(std::string_view path) const noexcept {
    for (const auto& r : routes_)
      if (fits_template(r.path_template, path)) return &r.path_template;
    return nullptr;
  }

  const std::vector<route>& routes() const { return routes_; }

 private:
  std::vector<route> routes_;
};

}  // namespace dropslot::api
