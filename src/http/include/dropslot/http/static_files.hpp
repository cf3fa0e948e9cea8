#pragma once
// Serves a folder of static files (the dashboard) for GET and HEAD, without ever
// leaving that folder: `..`, encoded dots, backslashes, NUL bytes and symlinks that
// point outside the root all answer 404.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "dropslot/http/message.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::http {

struct static_options {
  /// Served for "/" and for folders.
  std::string index = "index.html";
  /// Single-page app: a path that names no file and has no extension gets the
  /// index instead of 404 (a path with an extension, like /x.js, stays 404).
  bool spa_fallback = false;
  /// Cache-Control for every file response (empty: none). The index gets
  /// `index_cache_control` instead, so a new deploy is seen at once.
  std::string cache_control;
  std::string index_cache_control = "no-cache";
  /// Added to every response, 404s included (Content-Security-Policy,
  /// X-Content-Type-Options, ...).
  http::headers extra_headers;
};

/// The Content-Type for a file name, by extension ("application/octet-stream" when unknown).
std::string_view content_type_for(std::string_view file_name) noexcept;

/// A folder served read-only. Thread-safe (const after construction).
class static_files {
 public:
  /// Fails with http_errc::invalid_root when `root` is not a folder.
  static result<static_files> open(const std::filesystem::path& root, static_options opts = {});

  /// Answers `req` for `path` (the raw, percent-encoded URL path below the root,
  /// e.g. "/app.js"; by default `req.path`). GET and HEAD: 200, 304 (If-None-Match
  /// matches the ETag) or 404; other methods: 405 with Allow. A HEAD answer carries
  /// the body too; the server does not send it.
  response serve(const request& req) const { return serve(req, req.path); }
  response serve(const request& req, std::string_view path) const;

  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  static_files(std::filesystem::path root, static_options opts) : root_(std::move(root)), opts_(std::move(opts)) {}
  std::filesystem::path root_;  // canonical
  static_options opts_;
};

}  // namespace dropslot::http
