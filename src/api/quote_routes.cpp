// POST/GET {base}/quotes (DESIGN.md, HTTP API).
#include "api_service.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/db/keys.hpp"

namespace dropslot::api {

namespace {

/// YYYY-MM-DD with plausible month and day (the calendar check is the client's).
bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  int month = (d[5] - '0') * 10 + (d[6] - '0');
  int day = (d[8] - '0') * 10 + (d[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

boost::json::object quote_json(const db::quote& q) {
  boost::json::object o;
  o["id"] = q.id;
  if (q.job_id)
    o["job_id"] = *q.job_id;
  else
    o["job_id"] = nullptr;
  o["description"] = q.description;
  if (q.preferred_date)
    o["preferred_date"] = *q.preferred_date;
  else
    o["preferred_date"] = nullptr;
  o["created_at"] = iso8601(q.created_at);
  return o;
}

boost::json::object reply_json(const db::quote_reply& r) {
  boost::json::object o;
  o["price_low_cents"] = r.price_low_cents;
  o["price_high_cents"] = r.price_high_cents;
  o["currency"] = r.currency;
  o["message"] = r.message;
  o["replied_at"] = iso8601(r.replied_at);
  return o;
}

http::response api_service::create_quote(call& c) {
  const auto& rid = c.req.request_id;
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), rid);
  field_reader f(*body);
  auto job_id = f.optional_string("job_id", 256);
  if (!job_id) return api_error_response(job_id.error(), rid);
  if (*job_id && !db::valid_job_id(**job_id))
    return error_response(api_errc::invalid_field, "job_id must match [A-Za-z0-9_-]{1,64}");
  auto description = f.required_string("description", 4000);
  if (!description) return api_error_response(description.error(), rid);
  if (description->empty()) return error_response(api_errc::invalid_field, "description must not be empty");
  auto date = f.optional_string("preferred_date", 10);
  if (!date) return api_error_response(date.error(), rid);
  if (*date && !valid_date(**date)) return error_response(api_errc::invalid_field, "preferred_date must be YYYY-MM-DD");

  db::new_quote q{c.session->customer, std::move(*job_id), std::move(*description), std::move(*date)};
  auto created = db_->create_quote(q, c.now_s);
  if (!created) {
    if (created.error().code == db::db_errc::not_found) return error_response(api_errc::not_found, "no such job");
    return db_error_response(created.error(), rid);
  }
  boost::json::object out;
  out["quote"] = quote_json(*created);
  return json_response(201, out);
}

http::response api_service::list_quotes(call& c) {
  auto quotes = db_->list_quotes(c.session->customer);
  if (!quotes) return db_error_response(quotes.error(), c.req.request_id);
  // Staff's answers (DESIGN.md, "The company's side"): `reply` on each answered quote.
  std::vector<db::quote_reply> replies;
  if (auto* staff = db_->staff()) {
    auto r = staff->customer_quote_replies(c.session->customer);
    if (!r) return db_error_response(r.error(), c.req.request_id);
    replies = std::move(*r);
  }
  boost::json::array arr;
  for (const auto& q : *quotes) {
    auto o = quote_json(q);
    for (const auto& r : replies)
      if (r.quote_id == q.id) o["reply"] = reply_json(r);
    arr.push_back(std::move(o));
  }
  boost::json::object out;
  out["quotes"] = std::move(arr);
  return json_response(200, out);
}

}  // namespace dropslot::api
