#include "dropslot/api/router.hpp"

namespace dropslot::api {

namespace {
// Splits off the next '/'-prefixed segment; false when `s` does not start with '/'.
bool next_segment(std::string_view& s, std::string_view& seg) {
  if (s.empty() || s.front() != '/') return false;
  s.remove_prefix(1);
  auto slash = s.find('/');
  seg = s.substr(0, slash);
  s = slash == std::string_view::npos ? std::string_view{} : s.substr(slash);
  return true;
}
}  // namespace

bool match_template(std::string_view tmpl, std::string_view path, route_params& params) {
  while (!tmpl.empty()) {
    std::string_view t, p;
    if (!next_segment(tmpl, t) || !next_segment(path, p)) return false;
    if (t.size() >= 2 && t.front() == '{' && t.back() == '}') {
      if (p.empty()) return false;
      // Decoded, so "%2e%2e" arrives as ".." and the job-id check refuses it.
      auto decoded = util::percent_decode(p);
      if (!decoded) return false;  // a bad escape names no resource
      params.add(t.substr(1, t.size() - 2), std::move(*decoded));
    } else if (t != p) {
      return false;
    }
  }
  return path.empty();
}

bool fits_template(std::string_view tmpl, std::string_view path) noexcept {
  while (!tmpl.empty()) {
    std::string_view t, p;
    if (!next_segment(tmpl, t) || !next_segment(path, p)) return false;
    if (t.size() >= 2 && t.front() == '{' && t.back() == '}') {
      if (p.empty()) return false;
    } else if (t != p) {
      return false;
    }
  }
  return path.empty();
}

}  // namespace dropslot::api
