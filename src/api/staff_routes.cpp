// {base}/staff/...: the company's side (DESIGN.md, "The company's side"). Every route
// here is auth_need::staff: dispatch has checked the staff session (and the CSRF
// rule) before a handler runs, and c.staff is set. Each state change writes one
// staff_action line (log_staff_action) with the staff id.
#include <charconv>

#include <boost/json/serialize.hpp>

#include "api_service.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/api/validation.hpp"
#include "dropslot/db/keys.hpp"
#include "dropslot/util/stdout_line.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::api {

namespace {

constexpr std::size_t board_page_size = 50;
constexpr std::size_t max_search_bytes = 200;

const char* bad_job_id = "job id must match [A-Za-z0-9_-]{1,64}";

boost::json::object customer_json(const db::customer& c) {
  boost::json::object o;
  o["id"] = c.id;
  o["name"] = c.name;
  o["email"] = c.email;
  return o;
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// The board's cursor: "<activity unix seconds>.<job id>" (job ids hold no '.').
// Opaque to clients; anything else is a 400, never a query.
std::string cursor_string(const db::board_cursor& c) {
  return std::to_string(c.activity_at.time_since_epoch().count()) + "." + c.job_id;
}

std::optional<db::board_cursor> parse_cursor(std::string_view s) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 18) return std::nullopt;
  std::int64_t at = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + dot, at);
  if (ec != std::errc{} || end != s.data() + dot || at < 0) return std::nullopt;
  std::string_view id = s.substr(dot + 1);
  if (!db::valid_job_id(id)) return std::nullopt;
  return db::board_cursor{db::timestamp(std::chrono::seconds(at)), std::string(id)};
}

}  // namespace

void api_service::log_staff_action(const call& c, std::string_view action, std::string_view object) const {
  boost::json::object o;
  o["type"] = "staff_action";
  o["staff_id"] = c.staff ? c.staff->staff : 0;
  o["action"] = action;
  o["object"] = object;
  o["request_id"] = c.req.request_id;
  auto line = boost::json::serialize(o);
  line.push_back('\n');
  util::write_stdout_line(line);
}

http::response api_service::staff_board(call& c) {
  db::board_query q;
  q.limit = board_page_size;
  if (auto v = c.req.query_param("needs_quote")) {
    if (*v != "0" && *v != "1") return error_response(api_errc::invalid_field, "needs_quote must be 0 or 1");
    q.needs_quote = *v == "1";
  }
  if (auto v = c.req.query_param("q")) {
    if (v->size() > max_search_bytes) return error_response(api_errc::invalid_field, "q is too long");
    if (!util::valid_utf8(*v) || v->find('\0') != std::string::npos)
      return error_response(api_errc::invalid_field, "q must be UTF-8 text");
    q.text = util::ascii_lower(util::trim_ows(*v));
  }
  if (auto v = c.req.query_param("cursor"); v && !v->empty()) {
    q.after = parse_cursor(*v);
    if (!q.after) return error_response(api_errc::invalid_field, "cursor is not one this API gave out");
  }
  auto page = db_->staff()->board(q);
  if (!page) return db_error_response(page.error(), c.req.request_id);
  boost::json::array jobs;
  for (const auto& row : page->rows) {
    boost::json::object o;
    o["id"] = row.j.id;
    o["title"] = row.j.title;
    o["status"] = row.j.status;
    o["customer"] = customer_json(row.owner);
    o["photo_count"] = row.j.photo_count;
    if (row.last_upload_at)
      o["last_upload_at"] = iso8601(*row.last_upload_at);
    else
      o["last_upload_at"] = nullptr;
    // The newest photo's thumbnail, so the board can be scanned at a glance (a GET URL
    // signed here, no I/O; a photo sent without a thumbnail has none, and the page
    // then shows no image).
    if (row.last_key) {
      auto thumb = bucket_->presign_get(thumb_key(*row.last_key), c.now);
      if (!thumb) return api_error_response(thumb.error(), c.req.request_id);
      o["thumb_url"] = thumb->url;
    }
    o["quote_waiting"] = row.quote_waiting;
    o["activity_at"] = iso8601(row.activity_at);
    // The job's required shots without a received photo (issue 22).
    auto missing = missing_shots_json(row.j);
    if (!missing) return db_error_response(missing.error(), c.req.request_id);
    o["missing_shots"] = std::move(*missing);
    jobs.push_back(std::move(o));
  }
  boost::json::object out;
  out["jobs"] = std::move(jobs);
  if (page->next)
    out["next_cursor"] = cursor_string(*page->next);
  else
    out["next_cursor"] = nullptr;
  return json_response(200, out);
}

http::response api_service::staff_get_job(call& c) {
  auto id = c.params.get("id");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, bad_job_id);
  auto* staff = db_->staff();
  auto j = staff->find_job(id);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return error_response(api_errc::not_found, "no such job");
  auto owner = db_->get_customer((*j)->customer);
  if (!owner) return db_error_response(owner.error(), c.req.request_id);
  auto quotes = staff->job_quotes(id);
  if (!quotes) return db_error_response(quotes.error(), c.req.request_id);
  auto replies = staff->job_quote_replies(id);
  if (!replies) return db_error_response(replies.error(), c.req.request_id);

  boost::json::array qs;
  for (const auto& q : *quotes) {
    auto o = quote_json(q);
    for (const auto& r : *replies)
      if (r.quote_id == q.id) o["reply"] = reply_json(r);
    qs.push_back(std::move(o));
  }
  // The job's shot list with received counts, as the customer's GET /jobs/{id} has
  // it, so the staff gallery can group the photos by shot (issue 22).
  boost::json::object job = job_json(**j);
  if (auto failed = add_shots(job, **j, c.req.request_id)) return std::move(*failed);
  boost::json::object out;
  out["job"] = std::move(job);
  if (*owner)
    out["customer"] = customer_json(**owner);
  else
    out["customer"] = nullptr;
  out["notes"] = (*j)->notes;
  out["quotes"] = std::move(qs);
  return json_response(200, out);
}

http::response api_service::staff_patch_job(call& c) {
  auto id = c.params.get("id");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, bad_job_id);
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), c.req.request_id);
  field_reader f(*body);
  if (auto r = f.only({"title", "status", "shots"}); !r) return api_error_response(r.error(), c.req.request_id);
  // The job's shot list (issue 22): an array of {id, label, hint?, required}, or
  // null for the operator's default. Checked before anything is written.
  std::optional<std::optional<std::string>> shots;
  if (auto it = body->find("shots"); it != body->end()) {
    if (it->value().is_null()) {
      shots.emplace(std::nullopt);
    } else {
      auto parsed = db::parse_shots(boost::json::serialize(it->value()));
      if (!parsed) return error_response(api_errc::invalid_field, parsed.error().detail);
      shots.emplace(db::shots_to_json(*parsed));
    }
  }
  auto title = f.optional_string("title", 200);
  if (!title) return api_error_response(title.error(), c.req.request_id);
  auto status = f.optional_string("status", 64);
  if (!status) return api_error_response(status.error(), c.req.request_id);
  if ((*title && (*title)->empty()) || (*status && (*status)->empty()))
    return error_response(api_errc::invalid_field, "title and status must not be empty");
  if (shots) {
    auto set = db_->set_job_shots(id, *shots, c.now_s);
    if (!set) return db_error_response(set.error(), c.req.request_id);
    if (!*set) return error_response(api_errc::not_found, "no such job");
  }
  auto j = db_->staff()->update_job_by_staff(id, *title, *status, c.now_s);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return error_response(api_errc::not_found, "no such job");
  log_staff_action(c, "job.update", id);
  boost::json::object out;
  out["job"] = job_json(**j);
  return json_response(200, out);
}

http::response api_service::staff_job_photos(call& c) {
  auto id = c.params.get("id");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, bad_job_id);
  auto j = db_->staff()->find_job(id);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return error_response(api_errc::not_found, "no such job");
  // The customer listing's shape, with shot, caption, state and received_at per
  // photo from the upload records (issue 22).
  auto listing = photo_listing(c, id);
  if (auto* refused = std::get_if<http::response>(&listing)) return std::move(*refused);
  return json_response(200, std::get<boost::json::object>(listing));
}

http::response api_service::staff_create_customer(call& c) {
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), c.req.request_id);
  field_reader f(*body);
  if (auto r = f.only({"name", "email"}); !r) return api_error_response(r.error(), c.req.request_id);
  auto name = f.required_string("name", 200);
  if (!name) return api_error_response(name.error(), c.req.request_id);
  auto email = f.required_string("email", 320);
  if (!email) return api_error_response(email.error(), c.req.request_id);
  if (name->empty()) return error_response(api_errc::invalid_field, "name must not be empty");
  if (email->find('@') == std::string::npos || email->front() == '@' || email->back() == '@')
    return error_response(api_errc::invalid_field, "email must be an email address");
  auto created = db_->create_customer(*name, *email, c.now_s);
  if (!created) {
    if (created.error().code == db::db_errc::conflict)
      return error_response(api_errc::conflict, "a customer with this email exists");
    return db_error_response(created.error(), c.req.request_id);
  }
  log_staff_action(c, "customer.create", std::to_string(created->id));
  auto o = customer_json(*created);
  o["created_at"] = iso8601(created->created_at);
  boost::json::object out;
  out["customer"] = std::move(o);
  return json_response(201, out);
}

http::response api_service::staff_create_job(call& c) {
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), c.req.request_id);
  field_reader f(*body);
  if (auto r = f.only({"customer_id", "title", "id", "address", "scheduled_date"}); !r)
    return api_error_response(r.error(), c.req.request_id);
  auto customer = f.required_uint("customer_id");
  if (!customer) return api_error_response(customer.error(), c.req.request_id);
  auto title = f.required_string("title", 200);
  if (!title) return api_error_response(title.error(), c.req.request_id);
  auto id = f.optional_string("id", 64);
  if (!id) return api_error_response(id.error(), c.req.request_id);
  auto address = f.optional_string("address", 500);
  if (!address) return api_error_response(address.error(), c.req.request_id);
  auto date = f.optional_string("scheduled_date", 10);
  if (!date) return api_error_response(date.error(), c.req.request_id);
  if (title->empty()) return error_response(api_errc::invalid_field, "title must not be empty");
  if (*id && !db::valid_job_id(**id)) return error_response(api_errc::invalid_field, bad_job_id);
  if (*customer == 0 || *customer > static_cast<std::uint64_t>(INT64_MAX))
    return error_response(api_errc::not_found, "no such customer");
  // The db checks the customer exists on DynamoDB; the SQL backends by foreign key.
  auto owner = db_->get_customer(static_cast<db::customer_id>(*customer));
  if (!owner) return db_error_response(owner.error(), c.req.request_id);
  if (!*owner) return error_response(api_errc::not_found, "no such customer");
  db::new_job nj;
  nj.id = id->value_or("");
  nj.customer = static_cast<db::customer_id>(*customer);
  nj.title = std::move(*title);
  nj.address = address->value_or("");
  nj.scheduled_date = std::move(*date);
  auto created = db_->create_job(nj, c.now_s);
  if (!created) {
    if (created.error().code == db::db_errc::conflict)
      return error_response(api_errc::conflict, "a job with this id exists");
    if (created.error().code == db::db_errc::not_found) return error_response(api_errc::not_found, "no such customer");
    return db_error_response(created.error(), c.req.request_id);
  }
  log_staff_action(c, "job.create", created->id);
  boost::json::object out;
  out["job"] = job_json(*created);
  return json_response(201, out);
}

std::string api_service::public_origin(const http::request& req) const {
  if (!config_.dashboard_origin.empty()) return config_.dashboard_origin;
  auto host = req.headers.get("Host");
  return std::string(req.secure ? "https://" : "http://") + std::string(host ? *host : "localhost");
}

http::response api_service::staff_login_link(call& c) {
  auto id = parse_id(c.params.get("id"));
  if (!id) return error_response(api_errc::not_found, "no such customer");
  auto code = db_->create_login_code(*id, c.now_s);
  if (!code) {
    if (code.error().code == db::db_errc::not_found) return error_response(api_errc::not_found, "no such customer");
    return db_error_response(code.error(), c.req.request_id);
  }
  log_staff_action(c, "customer.login_link", std::to_string(*id));
  boost::json::object out;
  // The dashboard reads the one-time code from `code` (as `admin login-link` prints it).
  out["url"] = public_origin(c.req) + "/?code=" + code->code;
  out["expires_at"] = iso8601(code->expires_at);
  return json_response(201, out);
}

http::response api_service::staff_reply_quote(call& c) {
  auto id = parse_id(c.params.get("id"));
  if (!id) return error_response(api_errc::not_found, "no such quote");
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), c.req.request_id);
  field_reader f(*body);
  if (auto r = f.only({"price_low_cents", "price_high_cents", "currency", "message"}); !r)
    return api_error_response(r.error(), c.req.request_id);
  auto low = f.required_uint("price_low_cents");
  if (!low) return api_error_response(low.error(), c.req.request_id);
  auto high = f.required_uint("price_high_cents");
  if (!high) return api_error_response(high.error(), c.req.request_id);
  auto currency = f.required_string("currency", 3);
  if (!currency) return api_error_response(currency.error(), c.req.request_id);
  auto message = f.required_string("message", 4000);
  if (!message) return api_error_response(message.error(), c.req.request_id);
  constexpr std::uint64_t max_cents = 100'000'000'000ull;  // a billion in any currency: far past any job
  if (*low > max_cents || *high > max_cents) return error_response(api_errc::invalid_field, "price is too large");
  if (*high < *low) return error_response(api_errc::invalid_field, "price_high_cents must be >= price_low_cents");
  db::quote_reply r{*id,
                    c.staff->staff,
                    static_cast<std::int64_t>(*low),
                    static_cast<std::int64_t>(*high),
                    std::move(*currency),
                    std::move(*message),
                    c.now_s};
  auto saved = db_->staff()->reply_quote(r);
  if (!saved) return db_error_response(saved.error(), c.req.request_id);
  if (!*saved) return error_response(api_errc::not_found, "no such quote");
  log_staff_action(c, "quote.reply", std::to_string(*id));
  auto o = reply_json(**saved);
  o["quote_id"] = (*saved)->quote_id;
  boost::json::object out;
  out["reply"] = std::move(o);
  return json_response(200, out);
}

}  // namespace dropslot::api
