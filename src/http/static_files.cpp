#include "dropslot/http/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <utility>

#include "dropslot/http/error.hpp"

namespace dropslot::http {

namespace {

struct type_entry {
  std::string_view ext;
  std::string_view type;
};
// The dashboard's file kinds. JavaScript is text/javascript (RFC 9239); browsers
// refuse ES modules served as anything else once nosniff is set.
constexpr std::array<type_entry, 19> types{{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"json", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"map", "application/json"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
}};

std::string_view extension_of(std::string_view name) {
  auto slash = name.find_last_of('/');
  if (slash != std::string_view::npos) name = name.substr(slash + 1);
  auto dot = name.find_last_of('.');
  return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

// The decoded path as a relative path below the root, or nullopt when any part of
// it could leave the root or name something we never serve: "..", "." segments,
// backslashes (a separator on other systems), NUL, and dot files (.git, .env).
// The check runs on the decoded text, so %2e%2e and %2f cannot hide a segment.
std::optional<std::string> safe_relative(std::string_view raw) {
  const std::optional<std::string> decoded_or = util::percent_decode(raw);
  if (!decoded_or) return std::nullopt;
  const std::string& decoded = *decoded_or;
  if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) return std::nullopt;
  std::string rel;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty()) continue;
    if (seg.front() == '.') return std::nullopt;
    if (!rel.empty()) rel.push_back('/');
    rel.append(seg);
  }
  return rel;
}

// The canonical form of `p` if it exists and lies inside `root` (symlinks resolved).
std::optional<std::filesystem::path> inside_root(const std::filesystem::path& root, const std::filesystem::path& p) {
  char* real = ::realpath(p.c_str(), nullptr);
  if (!real) return std::nullopt;
  std::string canon(real);
  std::free(real);
  const std::string& r = root.native();
  if (canon != r && !(canon.size() > r.size() && canon.compare(0, r.size(), r) == 0 && canon[r.size()] == '/'))
    return std::nullopt;
  return std::filesystem::path(std::move(canon));
}

struct loaded_file {
  std::string body;
  std::string etag;
};

std::optional<loaded_file> load_regular_file(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  loaded_file f;
  f.body.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < f.body.size()) {
    ssize_t n = ::read(fd, f.body.data() + got, f.body.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  f.body.resize(got);
  // Size and modification time: changes with every deploy, costs no hashing.
  char buf[64];
  int len = std::snprintf(buf, sizeof buf, "\"%zx-%llx\"", got,
                          static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1'000'000'000ull +
                              static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  f.etag.assign(buf, static_cast<std::size_t>(len));
  return f;
}

// If-None-Match holds `etag` (weak comparison, as RFC 9110 asks for GET), or "*".
bool none_match(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.size() > 2 && tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace

std::string_view content_type_for(std::string_view file_name) noexcept {
  std::string_view ext = extension_of(file_name);
  for (const auto& t : types)
    if (iequals(t.ext, ext)) return t.type;
  return "application/octet-stream";
}

result<static_files> static_files::open(const std::filesystem::path& root, static_options opts) {
  std::error_code ec;
  auto canon = std::filesystem::canonical(root, ec);
  if (ec || !std::filesystem::is_directory(canon, ec)) return fail(http_errc::invalid_root, root.string());
  return static_files(std::move(canon), std::move(opts));
}

response static_files::serve(const request& req, std::string_view path) const {
  response res;
  for (const auto& f : opts_.extra_headers) res.headers.add(f.name, f.value);
  if (req.method != "GET" && req.method != "HEAD") {
    res.status = 405;
    res.headers.set("Allow", "GET, HEAD");
    return res;
  }
  auto not_found = [&] {
    res.status = 404;
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = "not found\n";
    return res;
  };

  auto rel = safe_relative(path.substr(0, path.find('?')));
  if (!rel) return not_found();
  std::optional<std::filesystem::path> file;
  if (auto found = inside_root(root_, rel->empty() ? root_ : root_ / *rel)) {
    std::error_code ec;
    if (std::filesystem::is_directory(*found, ec))
      file = inside_root(root_, *found / opts_.index);
    else
      file = found;
  }
  if (!file && opts_.spa_fallback && extension_of(*rel).empty()) file = inside_root(root_, root_ / opts_.index);
  if (!file) return not_found();

  auto loaded = load_regular_file(*file);
  if (!loaded) return not_found();
  const bool is_index = file->filename() == opts_.index;
  const std::string& cache = is_index ? opts_.index_cache_control : opts_.cache_control;

  res.headers.set("ETag", loaded->etag);
  if (!cache.empty()) res.headers.set("Cache-Control", cache);
  if (auto inm = req.headers.get("If-None-Match"); inm && none_match(*inm, loaded->etag)) {
    res.status = 304;
    return res;
  }
  res.status = 200;
  res.headers.set("Content-Type", std::string(content_type_for(file->native())));
  res.body = std::move(loaded->body);
  return res;
}

}  // namespace dropslot::http
