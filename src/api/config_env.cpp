// app_config from the environment (DESIGN.md, CLI: config also comes from the env).
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "dropslot/api/app.hpp"
#include "dropslot/api/error.hpp"
#include "dropslot/db/database.hpp"

namespace dropslot::api {

std::vector<allowed_type> default_allowed_types() {
  return {{"image/jpeg", "jpg"}, {"image/png", "png"}, {"image/heic", "heic"}, {"image/webp", "webp"}};
}

env_lookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

env_lookup env_with_overrides(std::vector<std::pair<std::string, std::string>> overrides, env_lookup base) {
  return [overrides = std::move(overrides), base = std::move(base)](std::string_view name) -> std::optional<std::string> {
    for (const auto& [n, v] : overrides)
      if (n == name && !v.empty()) return v;
    return base(name);
  };
}

namespace {

result<std::uint64_t> parse_uint(std::string_view name, const std::string& v) {
  std::uint64_t out = 0;
  if (v.empty() || v.size() > 19) return fail(api_errc::bad_config, fmt::format("{} must be a whole number", name));
  for (char c : v) {
    if (c < '0' || c > '9') return fail(api_errc::bad_config, fmt::format("{} must be a whole number", name));
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return out;
}

/// "image/jpeg=jpg,image/png=png"
result<std::vector<allowed_type>> parse_types(const std::string& v) {
  std::vector<allowed_type> out;
  std::string_view s = v;
  while (!s.empty()) {
    auto comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      return fail(api_errc::bad_config, "DROPSLOT_ALLOWED_TYPES must be type=ext[,type=ext...]");
    auto ext = item.substr(eq + 1);
    for (char c : ext)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
        return fail(api_errc::bad_config, "an extension in DROPSLOT_ALLOWED_TYPES must be [a-z0-9]+");
    out.push_back({std::string(item.substr(0, eq)), std::string(ext)});
  }
  if (out.empty()) return fail(api_errc::bad_config, "DROPSLOT_ALLOWED_TYPES is empty");
  return out;
}

/// A JPEG quality: a plain decimal in (0, 1] ("0.85", "1").
result<double> parse_quality(std::string_view name, const std::string& v) {
  double q = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), q, std::chars_format::fixed);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !(q > 0.0 && q <= 1.0))
    return fail(api_errc::bad_config, fmt::format("{} must be a number in (0, 1], such as 0.85", name));
  return q;
}

}  // namespace

result<photo_settings> photo_settings_from_env(const env_lookup& env) {
  photo_settings p;
  auto get = [&](std::string_view n) -> std::optional<std::string> {
    auto v = env(n);
    if (v && v->empty()) return std::nullopt;  // set but empty counts as unset
    return v;
  };
  if (auto v = get("DROPSLOT_PHOTO_MAX_EDGE")) {
    auto n = parse_uint("DROPSLOT_PHOTO_MAX_EDGE", *v);
    if (!n) return fail(n.error());
    // Below 320 px a "photo" is smaller than its own thumbnail; above 16384 no
    // browser canvas can hold it.
    if (*n != 0 && (*n < 320 || *n > 16384))
      return fail(api_errc::bad_config, "DROPSLOT_PHOTO_MAX_EDGE must be 0 (keep originals) or 320..16384 pixels");
    p.max_edge = static_cast<std::uint32_t>(*n);
  }
  if (auto v = get("DROPSLOT_PHOTO_QUALITY")) {
    auto q = parse_quality("DROPSLOT_PHOTO_QUALITY", *v);
    if (!q) return fail(q.error());
    p.quality = *q;
  }
  return p;
}

result<app_config> app_config_from_env(const env_lookup& env) {
  app_config c;
  auto get = [&](std::string_view n) -> std::optional<std::string> {
    auto v = env(n);
    if (v && v->empty()) return std::nullopt;  // set but empty counts as unset
    return v;
  };
  if (auto v = env("DROPSLOT_API_BASE")) {
    c.api_base = *v;
    while (!c.api_base.empty() && c.api_base.back() == '/') c.api_base.pop_back();
    if (!c.api_base.empty() && c.api_base.front() != '/') c.api_base.insert(c.api_base.begin(), '/');
  }
  if (auto v = get("DROPSLOT_BUCKET")) c.bucket = *v;
  if (auto v = get("AWS_REGION"))
    c.region = *v;
  else if (auto d = get("AWS_DEFAULT_REGION"))
    c.region = *d;
  if (auto v = get("AWS_ENDPOINT_URL_S3")) {
    c.s3_endpoint = *v;
    while (!c.s3_endpoint.empty() && c.s3_endpoint.back() == '/') c.s3_endpoint.pop_back();
    c.path_style = true;  // as the AWS CLI: a custom endpoint is addressed path-style
  }
  if (auto v = get("DROPSLOT_DASHBOARD_ORIGIN")) c.dashboard_origin = *v;
  if (auto v = get("DROPSLOT_URL_EXPIRY")) {
    auto n = parse_uint("DROPSLOT_URL_EXPIRY", *v);
    if (!n) return fail(n.error());
    if (*n < 1 || *n > 604800) return fail(api_errc::bad_config, "DROPSLOT_URL_EXPIRY must be 1..604800 seconds");
    c.url_expiry = std::chrono::seconds(*n);
  }
  if (auto v = get("DROPSLOT_MAX_UPLOAD_BYTES")) {
    auto n = parse_uint("DROPSLOT_MAX_UPLOAD_BYTES", *v);
    if (!n) return fail(n.error());
    if (*n < 1) return fail(api_errc::bad_config, "DROPSLOT_MAX_UPLOAD_BYTES must be positive");
    c.max_upload_bytes = *n;
  }
  if (auto v = get("DROPSLOT_UPLOAD_RATE")) {
    auto n = parse_uint("DROPSLOT_UPLOAD_RATE", *v);
    if (!n) return fail(n.error());
    c.upload_rate_per_second = static_cast<double>(*n);
  }
  if (auto v = get("DROPSLOT_UPLOAD_BURST")) {
    auto n = parse_uint("DROPSLOT_UPLOAD_BURST", *v);
    if (!n) return fail(n.error());
    c.upload_burst = static_cast<double>(*n);
  }
  if (auto v = get("DROPSLOT_MAX_PHOTOS")) {
    auto n = parse_uint("DROPSLOT_MAX_PHOTOS", *v);
    if (!n) return fail(n.error());
    if (*n < 1 || *n > 1000000) return fail(api_errc::bad_config, "DROPSLOT_MAX_PHOTOS must be 1..1000000");
    c.max_photos_per_job = static_cast<std::uint32_t>(*n);
  }
  if (auto v = get("DROPSLOT_STAFF_SESSION_TTL")) {
    auto n = parse_uint("DROPSLOT_STAFF_SESSION_TTL", *v);
    if (!n) return fail(n.error());
    if (*n < 60 || *n > 7 * 24 * 3600)
      return fail(api_errc::bad_config, "DROPSLOT_STAFF_SESSION_TTL must be 60..604800 seconds");
    c.staff_session_ttl = std::chrono::seconds(*n);
  }
  if (auto v = get("DROPSLOT_THUMBNAIL_DELAY")) {
    auto n = parse_uint("DROPSLOT_THUMBNAIL_DELAY", *v);
    if (!n) return fail(n.error());
    if (*n < 1 || *n > 86400) return fail(api_errc::bad_config, "DROPSLOT_THUMBNAIL_DELAY must be 1..86400 seconds");
    c.thumbnail_delay = std::chrono::seconds(*n);
  }
  if (auto v = get("DROPSLOT_SHOTS")) {
    auto shots = db::parse_shots(*v);
    if (!shots) return fail(api_errc::bad_config, "DROPSLOT_SHOTS: " + shots.error().detail);
    c.default_shots = std::move(*shots);
  }
  if (auto v = get("DROPSLOT_ALLOWED_TYPES")) {
    auto t = parse_types(*v);
    if (!t) return fail(t.error());
    c.allowed_types = std::move(*t);
  }
  auto photos = photo_settings_from_env(env);
  if (!photos) return fail(photos.error());
  c.photos = *photos;
  if (auto v = get("DROPSLOT_DATABASE_URL")) {
    c.database_url = *v;
  } else {
    auto data = get("DROPSLOT_DATA").value_or("data");
    std::error_code ec;
    auto abs = std::filesystem::absolute(data, ec);
    if (ec) return fail(api_errc::bad_config, "DROPSLOT_DATA cannot be made absolute");
    c.database_url = db::default_database_url(abs.lexically_normal().string());
  }
  return c;
}

}  // namespace dropslot::api
