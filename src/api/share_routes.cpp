// Share links (DESIGN.md, "The company's side"): staff make and revoke them; anyone
// with the link sees the job's gallery, read only. The token has 256 random bits and
// only its hash is stored; each view signs fresh GET URLs of at most 15 minutes, so a
// revoked link stops giving out URLs at once and its last URLs die within 15 minutes.
#include <boost/json/serialize.hpp>

#include <unordered_map>
#include <unordered_set>

#include "api_service.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/api/validation.hpp"
#include "dropslot/db/keys.hpp"
#include "dropslot/util/stdout_line.hpp"

namespace dropslot::api {

namespace {

constexpr std::chrono::seconds default_share_ttl{7 * 24 * 3600};
constexpr std::chrono::seconds max_share_ttl{30 * 24 * 3600};
constexpr std::chrono::seconds shared_url_lifetime{15 * 60};
constexpr std::size_t max_shared_objects = 20000;

bool lower_hex(std::string_view t) {
  for (char ch : t)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

/// 64 lowercase hex characters (db::random_token's form): anything else is no token.
bool is_token(std::string_view t) { return t.size() == 64 && lower_hex(t); }

/// "shr-" and 24 lowercase hex characters (the db's new_share_id).
bool is_share_id(std::string_view id) { return id.size() == 28 && id.starts_with("shr-") && lower_hex(id.substr(4)); }

// One line per view of a shared gallery, as the access log writes its lines (the
// token never: the share id names the link).
void log_share_view(const call& c, const db::share_link& s) {
  boost::json::object o;
  o["type"] = "share_view";
  o["share_id"] = s.id;
  o["job_id"] = s.job_id;
  o["request_id"] = c.req.request_id;
  o["remote"] = c.req.remote_address;
  auto line = boost::json::serialize(o);
  line.push_back('\n');
  util::write_stdout_line(line);
}

}  // namespace

http::response api_service::staff_share_job(call& c) {
  auto id = c.params.get("id");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, "job id must match [A-Za-z0-9_-]{1,64}");
  auto body = parse_object(c.req.body, /*allow_empty=*/true);
  if (!body) return api_error_response(body.error(), c.req.request_id);
  field_reader f(*body);
  if (auto r = f.only({"expires_in"}); !r) return api_error_response(r.error(), c.req.request_id);
  auto expires_in = f.optional_uint("expires_in");
  if (!expires_in) return api_error_response(expires_in.error(), c.req.request_id);
  std::chrono::seconds ttl = default_share_ttl;
  if (*expires_in) {
    if (**expires_in < 60 || **expires_in > static_cast<std::uint64_t>(max_share_ttl.count()))
      return error_response(api_errc::invalid_field, "expires_in must be 60..2592000 seconds (30 days)");
    ttl = std::chrono::seconds(static_cast<std::int64_t>(**expires_in));
  }
  auto made = db_->staff()->create_share(id, c.staff->staff, c.now_s, ttl);
  if (!made) {
    if (made.error().code == db::db_errc::not_found) return error_response(api_errc::not_found, "no such job");
    return db_error_response(made.error(), c.req.request_id);
  }
  log_staff_action(c, "share.create", made->link.id);
  boost::json::object out;
  out["share_id"] = made->link.id;
  out["token"] = made->token;
  // The token rides in the fragment: browsers never send it to a server, so it is in
  // no access log on the way to the page (the page then asks {base}/shared/{token}).
  out["url"] = public_origin(c.req) + "/staff/shared.html#" + made->token;
  out["expires_at"] = iso8601(made->link.expires_at);
  return json_response(201, out);
}

http::response api_service::staff_revoke_share(call& c) {
  auto id = c.params.get("share_id");
  if (!is_share_id(id)) return error_response(api_errc::not_found, "no such share link");
  auto r = db_->staff()->revoke_share(id, c.now_s);
  if (!r) return db_error_response(r.error(), c.req.request_id);
  if (!*r) return error_response(api_errc::not_found, "no such share link");
  log_staff_action(c, "share.revoke", id);
  http::response res;
  res.status = 204;
  res.headers.set("Cache-Control", "no-store");
  return res;
}

http::response api_service::shared_gallery(call& c) {
  // Unknown, revoked and expired links look alike (404), and nothing is cached: a
  // revoke is seen by the next view on every instance.
  auto token = c.params.get("token");
  auto gone = [] { return error_response(api_errc::not_found, "this link has expired or was revoked"); };
  if (!is_token(token)) return gone();
  auto* staff = db_->staff();
  if (!staff) return gone();
  auto share = staff->find_share(token, c.now_s);
  if (!share) return db_error_response(share.error(), c.req.request_id);
  if (!*share) return gone();
  auto j = staff->find_job((*share)->job_id);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return gone();
  log_share_view(c, **share);

  const std::string prefix = job_prefix((*j)->id);
  auto objects = bucket_->list(prefix, max_shared_objects);
  if (!objects) return api_error_response(objects.error(), c.req.request_id);
  const std::string thumbs = prefix + "thumbs/";
  std::unordered_set<std::string_view> thumb_keys;
  for (const auto& o : *objects)
    if (o.key.starts_with(thumbs) && o.key.find('/', thumbs.size()) == std::string::npos) thumb_keys.insert(o.key);
  // Shot and caption per photo (issue 22); a rejected photo is never shown.
  auto records = db_->list_uploads((*j)->id);
  if (!records) return db_error_response(records.error(), c.req.request_id);
  std::unordered_map<std::string_view, const db::upload_record*> by_key;
  for (const auto& r : *records) by_key.emplace(r.key, &r);
  boost::json::array photos;
  std::int64_t lifetime = shared_url_lifetime.count();
  for (const auto& o : *objects) {
    if (o.key.find('/', prefix.size()) != std::string::npos) continue;
    auto rec = by_key.find(o.key);
    if (rec != by_key.end() && rec->second->state == db::upload_state::rejected) continue;
    auto get = bucket_->presign_get_fresh(o.key, c.now, shared_url_lifetime);
    if (!get) return api_error_response(get.error(), c.req.request_id);
    lifetime = std::min<std::int64_t>(lifetime, get->expires_in.count());
    boost::json::object p;
    p["url"] = get->url;
    if (std::string tkey = thumb_key(o.key); thumb_keys.count(tkey)) {
      auto tget = bucket_->presign_get_fresh(tkey, c.now, shared_url_lifetime);
      if (!tget) return api_error_response(tget.error(), c.req.request_id);
      p["thumb_url"] = tget->url;
    }
    if (rec != by_key.end() && rec->second->shot) p["shot"] = *rec->second->shot;
    if (rec != by_key.end() && rec->second->caption) p["caption"] = *rec->second->caption;
    photos.push_back(std::move(p));
  }
  boost::json::object job;
  job["title"] = (*j)->title;
  boost::json::object out;
  out["job"] = std::move(job);
  out["photos"] = std::move(photos);
  out["expires_in"] = lifetime;
  out["link_expires_at"] = iso8601((*share)->expires_at);
  return json_response(200, out);
}

}  // namespace dropslot::api
