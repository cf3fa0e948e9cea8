#pragma once
// Secrets out of log text: a database driver's error may quote the URL or conninfo it
// was given, password included.
#include <string>
#include <string_view>

namespace dropslot::util {

/// `text` with every password it can find replaced by "***":
///   - the password of a URL's userinfo ("postgres://user:secret@host/db");
///   - a `password` query parameter of a URL ("postgres://host/db?password=secret",
///     libpq's other URL form), whatever its case;
///   - a `password=` field of a libpq key=value conninfo ("host=db password=secret" or
///     "password='a b\' c'").
/// URLs are parsed with Boost.URL; a URL-looking word it cannot parse that holds an '@'
/// or "password" is replaced whole after its "scheme://", so a malformed URL never
/// leaks what it carries.
std::string redact_passwords(std::string_view text);

/// A request path as a log may hold it: the segment after "/shared/" (a share link's
/// token, GET {base}/shared/{token}: a bearer secret) becomes "-". Returns `path`
/// itself when there is nothing to hide, else a view of `scratch`.
inline std::string_view loggable_path(std::string_view path, std::string& scratch) {
  constexpr std::string_view marker = "/shared/";
  auto at = path.find(marker);
  if (at == std::string_view::npos) return path;
  auto start = at + marker.size();
  auto end = path.find('/', start);
  scratch.assign(path.substr(0, start));
  scratch += '-';
  if (end != std::string_view::npos) scratch += path.substr(end);
  return scratch;
}

}  // namespace dropslot::util
