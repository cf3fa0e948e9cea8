#include "api_service.hpp"
#include "dropslot/api/app_services.hpp"

namespace dropslot::api {

result<std::shared_ptr<http::service>> make_api(const app_config& config) { return make_api(config, {}); }

result<api_parts> make_parts(const app_config& config, app_services services) {
  api_parts out;
  out.clock = services.clock ? services.clock : [] { return std::chrono::system_clock::now(); };
  out.database = services.database;
  if (!out.database) {
    if (config.database_url.empty()) return fail(api_errc::bad_config, "no database URL");
    auto opened = db::open_database(config.database_url);
    if (!opened) return fail(opened.error());
    out.database = std::move(*opened);
  }
  auto bucket = make_bucket_access(config, out.clock(), out.clock);
  if (!bucket) return fail(bucket.error());
  out.bucket = std::move(*bucket);
  return out;
}

result<std::shared_ptr<http::service>> make_api(const app_config& config, app_services services) {
  if (!config.api_base.empty() && (config.api_base.front() != '/' || config.api_base.back() == '/'))
    return fail(api_errc::bad_config, "api_base must be empty or start with '/' and not end with one");
  if (config.allowed_types.empty()) return fail(api_errc::bad_config, "no content type is allowed");
  if (config.url_expiry.count() < 1 || config.url_expiry.count() > 604800)
    return fail(api_errc::bad_config, "url_expiry must be 1..604800 seconds");

  auto parts = make_parts(config, std::move(services));
  if (!parts) return fail(parts.error());
  return std::shared_ptr<http::service>(std::make_shared<api_service>(
      config, std::move(parts->database), std::move(parts->bucket), std::move(parts->clock)));
}

}  // namespace dropslot::api
