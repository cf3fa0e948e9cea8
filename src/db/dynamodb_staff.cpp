// The company's side on DynamoDB (staff_database.hpp; item layout in dynamodb_staff.hpp).
// As the rest of the backend: every guarantee by a single-item conditional write.
#include "dynamodb_staff.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <dropslot/db/dynamodb_schema.hpp>
#include <dropslot/db/keys.hpp>
#include <dropslot/db/tokens.hpp>

#include "staff_validation.hpp"
#include "validation.hpp"

namespace dropslot::db::detail {
namespace {

constexpr std::string_view board_pk = "BOARD";
constexpr std::string_view board_sk = "BOARD";

std::string staff_pk(staff_id id) { return "STAFF#" + std::to_string(id); }
std::string staff_email_pk(std::string_view email) { return "STAFFEMAIL#" + std::string(email); }
std::string staff_code_pk(std::string_view hash) { return "STAFFCODE#" + std::string(hash); }
std::string staff_session_pk(std::string_view hash) { return "STAFFSESSION#" + std::string(hash); }
std::string share_pk(std::string_view hash) { return "SHARE#" + std::string(hash); }
std::string share_id_pk(std::string_view id) { return "SHAREID#" + std::string(id); }
std::string quote_ref_pk(std::int64_t quote) { return "QUOTEREF#" + std::to_string(quote); }
std::string reply_sk(std::int64_t quote) { return "REPLY#" + padded(quote, 19); }
std::string board_sort(std::int64_t activity, std::string_view job_id) {
  return padded(activity, 12) + "#" + std::string(job_id);
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

json::object values(std::initializer_list<std::pair<std::string_view, json::value>> v) {
  json::object out;
  for (auto& [k, val] : v) out[k] = val;
  return out;
}

staff_member read_staff(const json::object& i) {
  return staff_member{number(i, "id"), text(i, "name"), text(i, "email"), from_unix(number(i, "created_at"))};
}

quote_reply read_reply(const json::object& i) {
  return quote_reply{number(i, "quote_id"), number(i, "staff"),    number(i, "price_low_cents"),
                     number(i, "price_high_cents"), text(i, "currency"), text(i, "message"),
                     from_unix(number(i, "replied_at"))};
}

class dynamodb_staff final : public staff_database {
 public:
  dynamodb_staff(dynamodb_table& t, database& db) : t_(t), db_(db) {}

  // --- staff accounts ----------------------------------------------------------------
  result<staff_member> create_staff(const std::string& name, const std::string& email, timestamp now) override {
    if (auto v = check_new_customer(name, email); !v) return fail(v.error());
    auto id = counter("STAFF");
    if (!id) return fail(id.error());
    json::object claim{{"pk", attr(staff_email_pk(email))}, {"sk", attr("EMAIL")}, {"staff", attr(*id)}};
    if (auto r = put(std::move(claim), "attribute_not_exists(pk)"); !r) {
      if (is_conditional_failure(r.error())) return fail(db_errc::conflict, "the email is taken");
      return fail(r.error());
    }
    staff_member m{*id, name, email, now};
    json::object item{{"pk", attr(staff_pk(m.id))}, {"sk", attr("PROFILE")}, {"id", attr(m.id)},
                      {"name", attr(name)},         {"email", attr(email)},  {"created_at", attr(to_unix(now))}};
    if (auto r = put(std::move(item), "attribute_not_exists(pk)"); !r) {
      (void)t_.call("DeleteItem", {{"Key", item_key(staff_email_pk(email), "EMAIL")}});
      return fail(r.error());
    }
    return m;
  }

  // Admin only (dropslot admin staff list): a Scan, as list_customers.
  result<std::vector<staff_member>> list_staff() override {
    std::vector<staff_member> out;
    json::object body{{"FilterExpression", "#sk = :sk AND begins_with(pk, :prefix)"},
                      {"ExpressionAttributeNames", {{"#sk", "sk"}}},
                      {"ExpressionAttributeValues", values({{":sk", attr("PROFILE")}, {":prefix", attr("STAFF#")}})},
                      {"ConsistentRead", true}};
    auto r = pages("Scan", std::move(body), [&](const json::object& i) { out.push_back(read_staff(i)); });
    if (!r) return fail(r.error());
    std::sort(out.begin(), out.end(), [](const staff_member& a, const staff_member& b) { return a.id < b.id; });
    return out;
  }

  result<std::optional<staff_member>> get_staff(staff_id id) override {
    auto r = get(item_key(staff_pk(id), "PROFILE"));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<staff_member>{};
    return std::optional<staff_member>(read_staff(**r));
  }

  // Sessions and links first (through gsi1), the profile last: a removal that failed
  // half-way can be repeated. Codes are not indexed by staff; a code of a removed
  // member logs nobody in (login reads the profile) and expires within 15 minutes.
  result<bool> delete_staff(staff_id id, timestamp now) override {
    auto profile = get(item_key(staff_pk(id), "PROFILE"));
    if (!profile) return fail(profile.error());
    if (!*profile) return false;
    if (auto r = revoke_staff_sessions(id, now); !r) return fail(r.error());
    std::vector<std::string> shares;
    auto q = query_gsi1(staff_pk(id), "SHARE#", [&](const json::object& i) { shares.push_back(text(i, "pk")); });
    if (!q) return fail(q.error());
    for (const auto& pk : shares)
      if (auto r = mark_revoked(item_key(pk, "SHARE"), now); !r) return fail(r.error());
    if (auto r = remove(item_key(staff_email_pk(text(**profile, "email")), "EMAIL")); !r) return fail(r.error());
    if (auto r = remove(item_key(staff_pk(id), "PROFILE")); !r) return fail(r.error());
    return true;
  }

  // --- login codes and sessions --------------------------------------------------------
  result<login_code> create_staff_login_code(staff_id id, timestamp now, std::chrono::seconds ttl) override {
    auto m = get_staff(id);
    if (!m) return fail(m.error());
    if (!*m) return fail(db_errc::not_found, "no such staff member");
    login_code code{random_token(), now + ttl};
    json::object item{{"pk", attr(staff_code_pk(hash_token(code.code)))}, {"sk", attr("CODE")}, {"staff", attr(id)},
                      {"created_at", attr(to_unix(now))}, {"expires_at", attr(to_unix(code.expires_at))}};
    if (auto r = put(std::move(item), {}); !r) return fail(r.error());
    return code;
  }

  // One conditional update: of concurrent consumers exactly one finds used_at absent.
  result<std::optional<staff_id>> consume_staff_login_code(std::string_view code, timestamp now) override {
    json::object body{{"Key", item_key(staff_code_pk(hash_token(code)), "CODE")},
                      {"UpdateExpression", "SET #used = :now"},
                      {"ConditionExpression", "attribute_exists(pk) AND attribute_not_exists(#used) AND #exp > :now"},
                      {"ExpressionAttributeNames", {{"#used", "used_at"}, {"#exp", "expires_at"}}},
                      {"ExpressionAttributeValues", values({{":now", attr(to_unix(now))}})},
                      {"ReturnValues", "ALL_NEW"}};
    auto r = t_.call("UpdateItem", std::move(body));
    if (!r) {
      if (is_conditional_failure(r.error())) return std::optional<staff_id>{};
      return fail(r.error());
    }
    return std::optional<staff_id>(number(r->at("Attributes").as_object(), "staff"));
  }

  result<new_session> create_staff_session(staff_id id, timestamp now, std::chrono::seconds ttl) override {
    new_session s;
    s.token = random_token();
    s.token_hash = hash_token(s.token);
    s.expires_at = now + ttl;
    json::object item{{"pk", attr(staff_session_pk(s.token_hash))}, {"sk", attr("SESSION")},
                      {"staff", attr(id)},                           {"created_at", attr(to_unix(now))},
                      {"expires_at", attr(to_unix(s.expires_at))},  {"gsi1pk", attr(staff_pk(id))},
                      {"gsi1sk", attr("SESSION#" + s.token_hash)}};
    if (auto r = put(std::move(item), {}); !r) return fail(r.error());
    return s;
  }

  // One strongly consistent GetItem, never cached: a revoke is seen at once.
  result<std::optional<staff_session>> lookup_staff_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    auto r = get(item_key(staff_session_pk(hash), "SESSION"));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<staff_session>{};
    auto expires = number(**r, "expires_at");
    if ((*r)->contains("revoked_at") || expires <= to_unix(now)) return std::optional<staff_session>{};
    return std::optional<staff_session>(staff_session{number(**r, "staff"), std::move(hash), from_unix(expires)});
  }

  result<void> revoke_staff_session(std::string_view token, timestamp now) override {
    auto r = mark_revoked(item_key(staff_session_pk(hash_token(token)), "SESSION"), now);
    if (!r) return fail(r.error());
    return {};
  }

  result<std::int64_t> revoke_staff_sessions(staff_id id, timestamp now) override {
    std::vector<std::string> live;
    auto q = query_gsi1(staff_pk(id), "SESSION#", [&](const json::object& i) {
      if (!i.contains("revoked_at") && number(i, "expires_at") > to_unix(now)) live.push_back(text(i, "pk"));
    });
    if (!q) return fail(q.error());
    std::int64_t n = 0;
    for (const auto& pk : live) {
      auto r = mark_revoked(item_key(pk, "SESSION"), now);
      if (!r) return fail(r.error());
      if (*r) ++n;
    }
    return n;
  }

  // --- the board -----------------------------------------------------------------------
  // A Query on gsi1's BOARD partition backwards (newest activity first), from the
  // cursor; the filters are a FilterExpression, so a page may take several Query
  // pages. The jobs themselves (title, status, photo count) come in one BatchGetItem.
  result<board_page> board(const board_query& q) override {
    std::size_t limit = q.limit == 0 ? 1 : q.limit;
    json::object body{{"IndexName", dynamodb_gsi1},
                      {"KeyConditionExpression", "gsi1pk = :pk"},
                      {"ScanIndexForward", false},
                      {"Limit", static_cast<std::int64_t>(limit + 1)}};
    json::object vals = values({{":pk", attr(board_pk)}});
    std::string filter;
    json::object names;
    if (q.needs_quote) {
      filter = "#waiting > :zero";
      names["#waiting"] = "quotes_waiting";
      vals[":zero"] = attr(std::int64_t{0});
    }
    if (!q.text.empty()) {
      if (!filter.empty()) filter += " AND ";
      filter += "contains(#search, :text)";
      names["#search"] = "search";
      vals[":text"] = attr(q.text);
    }
    if (!filter.empty()) {
      body["FilterExpression"] = filter;
      body["ExpressionAttributeNames"] = std::move(names);
    }
    body["ExpressionAttributeValues"] = std::move(vals);
    if (q.after) {
      std::string pk = job_pk(q.after->job_id);
      body["ExclusiveStartKey"] = json::object{{"pk", attr(pk)},
                                               {"sk", attr(board_sk)},
                                               {"gsi1pk", attr(board_pk)},
                                               {"gsi1sk", attr(board_sort(to_unix(q.after->activity_at), q.after->job_id))}};
    }
    std::vector<json::object> entries;
    for (;;) {
      auto r = t_.call("Query", body);
      if (!r) return fail(r.error());
      for (const auto& i : r->at("Items").as_array())
        if (entries.size() <= limit) entries.push_back(i.as_object());
      auto* last = r->if_contains("LastEvaluatedKey");
      if (entries.size() > limit || !last) break;
      body["ExclusiveStartKey"] = *last;
    }
    board_page page;
    bool more = entries.size() > limit;
    if (more) entries.resize(limit);
    // The jobs, 100 keys per BatchGetItem at most (a page is 50).
    std::unordered_map<std::string, job> jobs;
    for (std::size_t from = 0; from < entries.size(); from += 100) {
      json::array keys;
      for (std::size_t k = from; k < std::min(entries.size(), from + 100); ++k)
        keys.push_back(item_key(text(entries[k], "pk"), "JOB"));
      auto got = batch_get(std::move(keys), [&](const json::object& i) { jobs[text(i, "id")] = read_job(i); });
      if (!got) return fail(got.error());
    }
    for (const auto& e : entries) {
      std::string id = text(e, "job_id");
      auto it = jobs.find(id);
      if (it == jobs.end()) continue;  // removed meanwhile
      board_row row;
      row.j = it->second;
      row.owner = customer{number(e, "customer"), text(e, "customer_name"), text(e, "customer_email"), {}};
      if (auto at = opt_number(e, "last_upload_at")) row.last_upload_at = from_unix(*at);
      row.quote_waiting = number(e, "quotes_waiting") > 0;
      row.activity_at = from_unix(number(e, "activity_at"));
      row.last_key = opt_text(e, "last_key");
      page.rows.push_back(std::move(row));
    }
    if (more && !entries.empty())
      page.next = board_cursor{from_unix(number(entries.back(), "activity_at")), text(entries.back(), "job_id")};
    return page;
  }

  result<std::optional<job>> find_job(std::string_view job_id) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    auto r = get(item_key(job_pk(job_id), "JOB"));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<job>{};
    return std::optional<job>(read_job(**r));
  }

  result<std::optional<job>> update_job_by_staff(std::string_view job_id, const std::optional<std::string>& title,
                                                 const std::optional<std::string>& status, timestamp now) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    if (auto v = check_staff_job_update(title, status); !v) return fail(v.error());
    std::string set = "SET #updated = :now";
    json::object names{{"#updated", "updated_at"}};
    json::object vals = values({{":now", attr(to_unix(now))}});
    if (title) {
      set += ", #title = :title";
      names["#title"] = "title";
      vals[":title"] = attr(*title);
    }
    if (status) {
      set += ", #status = :status";
      names["#status"] = "status";
      vals[":status"] = attr(*status);
    }
    json::object body{{"Key", item_key(job_pk(job_id), "JOB")},
                      {"UpdateExpression", set},
                      {"ConditionExpression", "attribute_exists(pk)"},
                      {"ExpressionAttributeNames", std::move(names)},
                      {"ExpressionAttributeValues", std::move(vals)},
                      {"ReturnValues", "ALL_NEW"}};
    auto r = t_.call("UpdateItem", std::move(body));
    if (!r) {
      if (is_conditional_failure(r.error())) return std::optional<job>{};
      return fail(r.error());
    }
    job j = read_job(r->at("Attributes").as_object());
    if (title) {
      auto owner = db_.get_customer(j.customer);
      if (owner && *owner) (void)set_search(j, **owner);
    }
    (void)board_touch(t_, job_id, now, false, false);
    return std::optional<job>(std::move(j));
  }

  result<std::vector<quote>> job_quotes(std::string_view job_id) override {
    auto j = find_job(job_id);
    if (!j) return fail(j.error());
    if (!*j) return std::vector<quote>{};
    auto all = db_.list_quotes((*j)->customer);
    if (!all) return fail(all.error());
    std::vector<quote> out;
    for (auto& q : *all)
      if (q.job_id && *q.job_id == job_id) out.push_back(std::move(q));
    return out;
  }

  // --- quote replies -------------------------------------------------------------------
  // The reply sits in the quote's customer's partition (REPLY#<quote id>), so the
  // customer's GET /quotes reads replies with one Query. The quote is found through
  // the QUOTEREF#<id> item create_quote writes first.
  result<std::optional<quote_reply>> reply_quote(const quote_reply& rep) override {
    if (auto v = check_quote_reply(rep); !v) return fail(v.error());
    auto owner = quote_owner(rep.quote_id);
    if (!owner) return fail(owner.error());
    if (!*owner) return std::optional<quote_reply>{};
    auto [customer, job_id] = **owner;
    json::object item{{"pk", attr(customer_pk(customer))},
                      {"sk", attr(reply_sk(rep.quote_id))},
                      {"quote_id", attr(rep.quote_id)},
                      {"staff", attr(rep.staff)},
                      {"price_low_cents", attr(rep.price_low_cents)},
                      {"price_high_cents", attr(rep.price_high_cents)},
                      {"currency", attr(rep.currency)},
                      {"message", attr(rep.message)},
                      {"replied_at", attr(to_unix(rep.replied_at))}};
    // The first reply takes the job off "needs a quote"; a later one only replaces it.
    auto first = put(item, "attribute_not_exists(pk)");
    if (!first) {
      if (!is_conditional_failure(first.error())) return fail(first.error());
      if (auto r = put(std::move(item), {}); !r) return fail(r.error());
    } else if (!job_id.empty()) {
      json::object body{{"Key", item_key(job_pk(job_id), board_sk)},
                        {"UpdateExpression", "ADD quotes_waiting :minus"},
                        {"ConditionExpression", "attribute_exists(pk) AND quotes_waiting > :zero"},
                        {"ExpressionAttributeValues", values({{":minus", attr(std::int64_t{-1})},
                                                              {":zero", attr(std::int64_t{0})}})}};
      auto r = t_.call("UpdateItem", std::move(body));
      if (!r && !is_conditional_failure(r.error())) return fail(r.error());
    }
    return std::optional<quote_reply>(rep);
  }

  result<std::vector<quote_reply>> customer_quote_replies(customer_id customer) override {
    std::vector<quote_reply> out;
    json::object body{{"KeyConditionExpression", "pk = :pk AND begins_with(sk, :prefix)"},
                      {"ExpressionAttributeValues", values({{":pk", attr(customer_pk(customer))}, {":prefix", attr("REPLY#")}})},
                      {"ConsistentRead", true}};
    auto r = pages("Query", std::move(body), [&](const json::object& i) { out.push_back(read_reply(i)); });
    if (!r) return fail(r.error());
    return out;
  }

  result<std::vector<quote_reply>> job_quote_replies(std::string_view job_id) override {
    auto j = find_job(job_id);
    if (!j) return fail(j.error());
    if (!*j) return std::vector<quote_reply>{};
    auto quotes = job_quotes(job_id);
    if (!quotes) return fail(quotes.error());
    auto all = customer_quote_replies((*j)->customer);
    if (!all) return fail(all.error());
    std::vector<quote_reply> out;
    for (auto& r : *all)
      for (const auto& q : *quotes)
        if (q.id == r.quote_id) out.push_back(r);
    return out;
  }

  // --- share links --------------------------------------------------------------------
  result<new_share_link> create_share(std::string_view job_id, staff_id staff, timestamp now,
                                      std::chrono::seconds ttl) override {
    auto j = find_job(job_id);
    if (!j) return fail(j.error());
    if (!*j) return fail(db_errc::not_found, "no such job");
    new_share_link out{share_link{new_share_id(), std::string(job_id), staff, now, now + ttl}, random_token()};
    std::string hash = hash_token(out.token);
    json::object handle{{"pk", attr(share_id_pk(out.link.id))}, {"sk", attr("SHAREID")}, {"token_hash", attr(hash)}};
    if (auto r = put(std::move(handle), "attribute_not_exists(pk)"); !r) return fail(r.error());
    // Not `expires_at`: the table's TTL would delete the item before a revoke could
    // find it; the link's own expiry is checked on every read.
    json::object item{{"pk", attr(share_pk(hash))},          {"sk", attr("SHARE")},
                      {"id", attr(out.link.id)},             {"job_id", attr(out.link.job_id)},
                      {"staff", attr(staff)},                {"created_at", attr(to_unix(now))},
                      {"link_expires_at", attr(to_unix(out.link.expires_at))},
                      {"gsi1pk", attr(staff_pk(staff))},     {"gsi1sk", attr("SHARE#" + out.link.id)}};
    if (auto r = put(std::move(item), {}); !r) return fail(r.error());
    return out;
  }

  result<std::optional<share_link>> find_share(std::string_view token, timestamp now) override {
    auto r = get(item_key(share_pk(hash_token(token)), "SHARE"));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<share_link>{};
    const json::object& i = **r;
    auto expires = number(i, "link_expires_at");
    if (i.contains("revoked_at") || expires <= to_unix(now)) return std::optional<share_link>{};
    return std::optional<share_link>(share_link{text(i, "id"), text(i, "job_id"), number(i, "staff"),
                                                from_unix(number(i, "created_at")), from_unix(expires)});
  }

  result<bool> revoke_share(std::string_view share_id, timestamp now) override {
    auto handle = get(item_key(share_id_pk(share_id), "SHAREID"));
    if (!handle) return fail(handle.error());
    if (!*handle) return false;
    auto link = get(item_key(share_pk(text(**handle, "token_hash")), "SHARE"));
    if (!link) return fail(link.error());
    if (!*link || number(**link, "link_expires_at") <= to_unix(now)) return false;
    return mark_revoked(item_key(share_pk(text(**handle, "token_hash")), "SHARE"), now);
  }

 private:
  result<void> set_search(const job& j, const customer& owner) {
    json::object body{{"Key", item_key(job_pk(j.id), board_sk)},
                      {"UpdateExpression", "SET search = :s"},
                      {"ConditionExpression", "attribute_exists(pk)"},
                      {"ExpressionAttributeValues", values({{":s", attr(lower(j.title + "\n" + owner.name + "\n" + j.id))}})}};
    auto r = t_.call("UpdateItem", std::move(body));
    if (!r && !is_conditional_failure(r.error())) return fail(r.error());
    return {};
  }

  // The customer and job of quote `id`: the quote item sits in its customer's
  // partition, found through its reference item (QUOTEREF#<id>, quote_reference).
  result<std::optional<std::pair<customer_id, std::string>>> quote_owner(std::int64_t id) {
    auto r = get(item_key(quote_ref_pk(id), "QUOTEREF"));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<std::pair<customer_id, std::string>>{};
    // The quote itself, since the reference outlives a removed customer's quotes.
    auto q = get(item_key(customer_pk(number(**r, "customer")), text(**r, "quote_sk")));
    if (!q) return fail(q.error());
    if (!*q) return std::optional<std::pair<customer_id, std::string>>{};
    return std::optional<std::pair<customer_id, std::string>>(
        std::pair<customer_id, std::string>{number(**r, "customer"), text(**r, "job_id")});
  }

  result<std::int64_t> counter(std::string_view name) {
    json::object body{{"Key", item_key("COUNTER", name)},
                      {"UpdateExpression", "ADD #n :one"},
                      {"ExpressionAttributeNames", {{"#n", "n"}}},
                      {"ExpressionAttributeValues", values({{":one", attr(std::int64_t{1})}})},
                      {"ReturnValues", "UPDATED_NEW"}};
    auto r = t_.call("UpdateItem", std::move(body));
    if (!r) return fail(r.error());
    return number(r->at("Attributes").as_object(), "n");
  }

  result<std::optional<json::object>> get(json::object key) {
    auto r = t_.call("GetItem", {{"Key", std::move(key)}, {"ConsistentRead", true}});
    if (!r) return fail(r.error());
    return found_item(*r);
  }

  result<void> put(json::object item, std::string_view condition) {
    json::object body{{"Item", std::move(item)}};
    if (!condition.empty()) body["ConditionExpression"] = condition;
    auto r = t_.call("PutItem", std::move(body));
    if (!r) return fail(r.error());
    return {};
  }

  result<void> remove(json::object key) {
    auto r = t_.call("DeleteItem", {{"Key", std::move(key)}});
    if (!r) return fail(r.error());
    return {};
  }

  // Sets revoked_at once; true when this call did.
  result<bool> mark_revoked(json::object key, timestamp now) {
    json::object body{{"Key", std::move(key)},
                      {"UpdateExpression", "SET #revoked = :now"},
                      {"ConditionExpression", "attribute_exists(pk) AND attribute_not_exists(#revoked)"},
                      {"ExpressionAttributeNames", {{"#revoked", "revoked_at"}}},
                      {"ExpressionAttributeValues", values({{":now", attr(to_unix(now))}})}};
    auto r = t_.call("UpdateItem", std::move(body));
    if (r) return true;
    if (is_conditional_failure(r.error())) return false;
    return fail(r.error());
  }

  template <class F>
  result<void> query_gsi1(const std::string& pk, std::string_view prefix, F&& each) {
    json::object body{{"IndexName", dynamodb_gsi1},
                      {"KeyConditionExpression", "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)"},
                      {"ExpressionAttributeValues", values({{":pk", attr(pk)}, {":prefix", attr(prefix)}})}};
    return pages("Query", std::move(body), std::forward<F>(each));
  }

  template <class F>
  result<void> batch_get(json::array keys, F&& each) {
    json::object request{{t_.name(), json::object{{"Keys", std::move(keys)}, {"ConsistentRead", true}}}};
    for (int round = 0; round < 10 && !request.empty(); ++round) {
      // BatchGetItem names its tables itself; TableName is ignored by the call.
      auto r = t_.call("BatchGetItem", {{"RequestItems", request}});
      if (!r) return fail(r.error());
      if (auto* resp = r->if_contains("Responses"))
        if (auto* items = resp->as_object().if_contains(t_.name()))
          for (const auto& i : items->as_array()) each(i.as_object());
      request = json::object{};
      if (auto* un = r->if_contains("UnprocessedKeys"); un && un->is_object()) request = un->as_object();
    }
    if (!request.empty()) return fail(db_errc::unavailable, "DynamoDB left keys unprocessed");
    return {};
  }

  template <class F>
  result<void> pages(std::string_view action, json::object body, F&& each) {
    for (;;) {
      auto r = t_.call(action, body);
      if (!r) return fail(r.error());
      for (const auto& i : r->at("Items").as_array()) each(i.as_object());
      auto* last = r->if_contains("LastEvaluatedKey");
      if (!last) return {};
      body["ExclusiveStartKey"] = *last;
    }
  }

  dynamodb_table& t_;
  database& db_;
};

}  // namespace

std::unique_ptr<staff_database> make_dynamodb_staff(dynamodb_table& table, database& db) {
  return std::make_unique<dynamodb_staff>(table, db);
}

namespace {

json::object board_item(const job& j, const customer& owner, std::int64_t activity) {
  return json::object{{"pk", attr(job_pk(j.id))},
                      {"sk", attr(board_sk)},
                      {"job_id", attr(j.id)},
                      {"customer", attr(owner.id)},
                      {"customer_name", attr(owner.name)},
                      {"customer_email", attr(owner.email)},
                      {"search", attr(lower(j.title + "\n" + owner.name + "\n" + j.id))},
                      {"quotes_waiting", attr(std::int64_t{0})},
                      {"activity_at", attr(activity)},
                      {"gsi1pk", attr(board_pk)},
                      {"gsi1sk", attr(board_sort(activity, j.id))}};
}

}  // namespace

result<void> board_job_created(dynamodb_table& table, const job& j, const customer& owner) {
  auto r = table.call("PutItem", {{"Item", board_item(j, owner, to_unix(j.created_at))}});
  if (!r) return fail(r.error());
  return {};
}

// Admin only (`dropslot admin migrate`): one Scan for the entries there are, then per
// job without one, its newest upload (a Query, newest first, one item), its customer's
// quotes and replies, and a conditional PutItem (an entry written meanwhile wins).
result<std::size_t> board_backfill(dynamodb_table& table, database& db) {
  std::unordered_set<std::string> have;
  json::object scan{{"FilterExpression", "#sk = :board"},
                    {"ProjectionExpression", "job_id"},
                    {"ExpressionAttributeNames", json::object{{"#sk", "sk"}}},
                    {"ExpressionAttributeValues", values({{":board", attr(board_sk)}})},
                    {"ConsistentRead", true}};
  for (;;) {
    auto r = table.call("Scan", scan);
    if (!r) return fail(r.error());
    for (const auto& i : r->at("Items").as_array()) have.insert(text(i.as_object(), "job_id"));
    auto* last = r->if_contains("LastEvaluatedKey");
    if (!last) break;
    scan["ExclusiveStartKey"] = *last;
  }
  auto jobs = db.list_all_jobs(std::nullopt);
  if (!jobs) return fail(jobs.error());
  std::size_t added = 0;
  for (const auto& j : *jobs) {
    if (have.contains(j.id)) continue;
    auto owner = db.get_customer(j.customer);
    if (!owner) return fail(owner.error());
    if (!*owner) continue;  // its customer is gone: the job is not on the board
    std::int64_t activity = std::max(to_unix(j.created_at), to_unix(j.updated_at));
    json::object item = board_item(j, **owner, activity);
    json::object newest{{"KeyConditionExpression", "pk = :pk AND begins_with(sk, :prefix)"},
                        {"ExpressionAttributeValues", values({{":pk", attr(job_pk(j.id))}, {":prefix", attr("UPLOAD#")}})},
                        {"ScanIndexForward", false},
                        {"Limit", 1},
                        {"ConsistentRead", true}};
    auto u = table.call("Query", std::move(newest));
    if (!u) return fail(u.error());
    if (const auto& items = u->at("Items").as_array(); !items.empty()) {
      const auto& up = items[0].as_object();
      std::int64_t at = number(up, "created_at");
      item["last_upload_at"] = attr(at);
      item["last_key"] = attr(text(up, "key"));
      activity = std::max(activity, at);
    }
    auto quotes = db.list_quotes(j.customer);
    if (!quotes) return fail(quotes.error());
    std::vector<std::int64_t> replied;
    if (auto* staff = db.staff()) {
      auto replies = staff->customer_quote_replies(j.customer);
      if (!replies) return fail(replies.error());
      for (const auto& r : *replies) replied.push_back(r.quote_id);
    }
    std::int64_t waiting = 0;
    for (const auto& q : *quotes) {
      if (q.job_id != j.id) continue;
      activity = std::max(activity, to_unix(q.created_at));
      if (std::find(replied.begin(), replied.end(), q.id) == replied.end()) ++waiting;
    }
    item["quotes_waiting"] = attr(waiting);
    item["activity_at"] = attr(activity);
    item["gsi1sk"] = attr(board_sort(activity, j.id));
    auto put = table.call("PutItem", {{"Item", std::move(item)}, {"ConditionExpression", "attribute_not_exists(pk)"}});
    if (!put) {
      if (is_conditional_failure(put.error())) continue;
      return fail(put.error());
    }
    ++added;
  }
  return added;
}

result<void> board_touch(dynamodb_table& table, std::string_view job_id, timestamp now, bool upload, bool quote_added,
                         std::string_view upload_key) {
  if (quote_added) {
    json::object body{{"Key", item_key(job_pk(job_id), board_sk)},
                      {"UpdateExpression", "ADD quotes_waiting :one"},
                      {"ConditionExpression", "attribute_exists(pk)"},
                      {"ExpressionAttributeValues", values({{":one", attr(std::int64_t{1})}})}};
    auto r = table.call("UpdateItem", std::move(body));
    if (!r && !is_conditional_failure(r.error())) return fail(r.error());
  }
  std::string set = "SET activity_at = :now, gsi1sk = :sort";
  json::object vals = values({{":now", attr(to_unix(now))}, {":sort", attr(board_sort(to_unix(now), job_id))}});
  if (upload) set += ", last_upload_at = :now";
  if (!upload_key.empty()) {
    set += ", last_key = :key";
    vals[":key"] = attr(upload_key);
  }
  // Never backwards (a slower concurrent writer with an older `now` loses).
  json::object body{{"Key", item_key(job_pk(job_id), board_sk)},
                    {"UpdateExpression", set},
                    {"ConditionExpression", "attribute_exists(pk) AND activity_at <= :now"},
                    {"ExpressionAttributeValues", std::move(vals)}};
  auto r = table.call("UpdateItem", std::move(body));
  if (!r && !is_conditional_failure(r.error())) return fail(r.error());
  return {};
}

result<void> quote_reference(dynamodb_table& table, std::int64_t quote_id, customer_id customer,
                             std::string_view quote_sk, const std::optional<std::string>& job_id) {
  json::object item{{"pk", attr(quote_ref_pk(quote_id))}, {"sk", attr("QUOTEREF")}, {"customer", attr(customer)},
                    {"quote_sk", attr(quote_sk)}};
  if (job_id) item["job_id"] = attr(*job_id);
  auto r = table.call("PutItem", {{"Item", std::move(item)}});
  if (!r) return fail(r.error());
  return {};
}

}  // namespace dropslot::db::detail
