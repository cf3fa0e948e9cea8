#include "dynamodb_database.hpp"

#include <algorithm>
#include <thread>

#include <dropslot/db/dynamodb_schema.hpp>

#include "dynamodb_staff.hpp"
#include "dynamodb_table.hpp"
#include "session_cache.hpp"
#include "validation.hpp"
#include "dropslot/util/worker_pool.hpp"

// The DynamoDB backend: one table, every guarantee by a single-item conditional write
// (dynalite, the local DynamoDB of the tests, has no TransactWriteItems). The item
// layout and the reasons for it are in docs/architecture.md (db).
namespace dropslot::db::detail {

// Declared in dynamodb_staff.hpp: the staff side reads JOB items with it too.
job read_job(const json::object& item) {
  job j;
  j.id = text(item, "id");
  j.customer = number(item, "customer");
  j.title = text(item, "title");
  j.address = text(item, "address");
  j.status = text(item, "status");
  j.scheduled_date = opt_text(item, "scheduled_date");
  j.notes = text(item, "notes");
  j.access_instructions = text(item, "access_instructions");
  j.photo_count = number(item, "photo_count");
  j.created_at = from_unix(number(item, "created_at"));
  j.updated_at = from_unix(number(item, "updated_at"));
  j.shots = opt_text(item, "shots");
  return j;
}

namespace {

constexpr std::string_view profile_sk = "PROFILE";
constexpr std::string_view job_sk = "JOB";
constexpr std::string_view code_sk = "CODE";
constexpr std::string_view session_sk = "SESSION";

json::object values(std::initializer_list<std::pair<std::string_view, json::value>> v) {
  json::object out;
  for (auto& [k, val] : v) out[k] = val;
  return out;
}

customer read_customer(const json::object& item) {
  return customer{number(item, "id"), text(item, "name"), text(item, "email"), from_unix(number(item, "created_at"))};
}


// An upload record item (pk JOB#<id>, sk UPLOAD#<number>). Items written before the
// receipts have no `state`: pending, as the SQL migration's default.
upload_record read_upload(const json::object& item) {
  upload_record u;
  u.job_id = text(item, "pk").substr(4);
  u.number = number(item, "number");
  u.key = text(item, "key");
  u.customer = number(item, "customer");
  u.content_type = text(item, "content_type");
  u.size = static_cast<std::uint64_t>(number(item, "size"));
  u.checksum_sha256 = opt_text(item, "checksum_sha256");
  u.shot = opt_text(item, "shot");
  u.caption = opt_text(item, "caption");
  u.state = parse_upload_state(opt_text(item, "state").value_or("pending")).value_or(upload_state::pending);
  if (auto t = opt_number(item, "received_at")) u.received_at = from_unix(*t);
  u.created_at = from_unix(number(item, "created_at"));
  return u;
}

std::string upload_sk(std::int64_t number) { return "UPLOAD#" + padded(number, 10); }

quote read_quote(const json::object& item) {
  return quote{number(item, "id"),          number(item, "customer"),       opt_text(item, "job_id"),
               text(item, "description"),   opt_text(item, "preferred_date"), from_unix(number(item, "created_at"))};
}

// The SQL backends' order: scheduled date (none last), then id.
bool job_order(const job& a, const job& b) {
  if (a.scheduled_date.has_value() != b.scheduled_date.has_value()) return a.scheduled_date.has_value();
  if (a.scheduled_date != b.scheduled_date) return *a.scheduled_date < *b.scheduled_date;
  return a.id < b.id;
}

class dynamodb_database final : public database {
 public:
  dynamodb_database(std::unique_ptr<dynamodb_table> table, const open_options& o)
      : table_(std::move(table)),
        cache_(o.session_cache_ttl),
        workers_(std::max<std::size_t>(o.max_connections, 1)),
        staff_(make_dynamodb_staff(*table_, *this)) {}

  std::string_view backend() const noexcept override { return "dynamodb"; }

  staff_database* staff() noexcept override { return staff_.get(); }
  result<std::size_t> migrate_data() override { return board_backfill(*table_, *this); }

  result<void> ping() override {
    auto r = get(item_key("PING", "PING"));
    if (!r) return fail(r.error());
    return {};
  }

  // --- customers -------------------------------------------------------------------
  // The email is unique through an item of its own (EMAIL#<email>), written first and
  // only if absent; a refused email leaves the customer number unused (skipped).
  result<customer> create_customer(const std::string& name, const std::string& email, timestamp now) override {
    if (auto v = check_new_customer(name, email); !v) return fail(v.error());
    auto id = next_counter("CUSTOMER");
    if (!id) return fail(id.error());
    json::object claim{{"pk", attr(email_pk(email))}, {"sk", attr("EMAIL")}, {"customer", attr(*id)}};
    if (auto r = put(std::move(claim), "attribute_not_exists(pk)"); !r) {
      if (is_conditional_failure(r.error())) return fail(db_errc::conflict, "the email is taken");
      return fail(r.error());
    }
    customer c{*id, name, email, now};
    json::object item{{"pk", attr(customer_pk(c.id))}, {"sk", attr(profile_sk)}, {"id", attr(c.id)},
                      {"name", attr(name)},            {"email", attr(email)},  {"created_at", attr(to_unix(now))}};
    if (auto r = put(std::move(item), "attribute_not_exists(pk)"); !r) {
      // Free the email again, so a retry can have it (best effort: the error stands).
      (void)table_->call("DeleteItem", {{"Key", item_key(email_pk(email), "EMAIL")}});
      return fail(r.error());
    }
    return c;
  }

  // Admin only (dropslot admin, serve's demo seeding): a Scan.
  result<std::vector<customer>> list_customers() override {
    std::vector<customer> out;
    auto r = scan_all("#sk = :sk", values({{":sk", attr(profile_sk)}}), [&](const json::object& i) {
      out.push_back(read_customer(i));
    });
    if (!r) return fail(r.error());
    std::sort(out.begin(), out.end(), [](const customer& a, const customer& b) { return a.id < b.id; });
    return out;
  }

  result<std::optional<customer>> get_customer(customer_id id) override {
    auto r = get(item_key(customer_pk(id), profile_sk));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<customer>{};
    return std::optional<customer>(read_customer(**r));
  }

  // Admin only (dropslot admin customer remove): item by item, since there is no
  // transaction here (dynalite has no TransactWriteItems). The customer's own item goes
  // last, so a call that fails half-way leaves it behind and a second call finds and
  // removes the rest. Sessions, codes and jobs are found with one strongly consistent
  // Scan (codes have no index by customer; gsi1, eventually consistent, could miss a
  // session created a moment ago); each job's uploads and claims, and the quotes, with
  // a Query on their partition. Sessions go first, and the cache is cleared after.
  result<bool> delete_customer(customer_id who) override {
    auto profile = get(item_key(customer_pk(who), profile_sk));
    if (!profile) return fail(profile.error());
    if (!*profile) {
      cache_.erase_customer(who);
      return false;
    }
    std::vector<std::string> sessions, codes, jobs;
    json::object scan{
        {"FilterExpression", "#customer = :customer AND #sk IN (:session, :code, :job)"},
        {"ExpressionAttributeNames", {{"#customer", "customer"}, {"#sk", "sk"}}},
        {"ExpressionAttributeValues", values({{":customer", attr(who)},
                                              {":session", attr(session_sk)},
                                              {":code", attr(code_sk)},
                                              {":job", attr(job_sk)}})},
        {"ConsistentRead", true}};
    auto found = pages("Scan", std::move(scan), [&](const json::object& i) {
      std::string sk = text(i, "sk");
      if (sk == session_sk) sessions.push_back(text(i, "pk"));
      else if (sk == code_sk) codes.push_back(text(i, "pk"));
      else jobs.push_back(text(i, "pk"));
    });
    if (!found) return fail(found.error());
    auto removed = [&]() -> result<void> {
      for (const auto& pk : sessions)
        if (auto r = remove(item_key(pk, session_sk)); !r) return r;
      for (const auto& pk : codes)
        if (auto r = remove(item_key(pk, code_sk)); !r) return r;
      // Every item of a job's partition (uploads, client_id claims), the job item last.
      for (const auto& pk : jobs) {
        std::vector<std::string> sks;
        auto q = query_all({{"KeyConditionExpression", "pk = :pk"},
                            {"ExpressionAttributeValues", values({{":pk", attr(pk)}})},
                            {"ConsistentRead", true}},
                           [&](const json::object& i) {
                             if (text(i, "sk") != job_sk) sks.push_back(text(i, "sk"));
                           });
        if (!q) return fail(q.error());
        for (const auto& sk : sks)
          if (auto r = remove(item_key(pk, sk)); !r) return r;
        if (auto r = remove(item_key(pk, job_sk)); !r) return r;
      }
      // The customer's partition: the quotes and staff's replies (everything but the
      // profile), each quote's reference item first (dynamodb_staff.hpp).
      std::vector<std::string> sks;
      std::vector<std::int64_t> quote_ids;
      auto q = query_all({{"KeyConditionExpression", "pk = :pk"},
                          {"ExpressionAttributeValues", values({{":pk", attr(customer_pk(who))}})},
                          {"ConsistentRead", true}},
                         [&](const json::object& i) {
                           std::string sk = text(i, "sk");
                           if (sk.starts_with("QUOTE#")) quote_ids.push_back(number(i, "id"));
                           if (sk != profile_sk) sks.push_back(std::move(sk));
                         });
      if (!q) return fail(q.error());
      for (auto id : quote_ids)
        if (auto r = remove(item_key("QUOTEREF#" + std::to_string(id), "QUOTEREF")); !r) return r;
      for (const auto& sk : sks)
        if (auto r = remove(item_key(customer_pk(who), sk)); !r) return r;
      // The email claim, if it is still this customer's.
      std::string email = text(**profile, "email");
      auto claim = table_->call("DeleteItem", {{"Key", item_key(email_pk(email), "EMAIL")},
                                               {"ConditionExpression", "#customer = :customer"},
                                               {"ExpressionAttributeNames", {{"#customer", "customer"}}},
                                               {"ExpressionAttributeValues", values({{":customer", attr(who)}})}});
      if (!claim && !is_conditional_failure(claim.error())) return fail(claim.error());
      return remove(item_key(customer_pk(who), profile_sk));
    }();
    // After the writes (session_cache.hpp), also when one failed, as in revoke_session.
    cache_.erase_customer(who);
    if (!removed) return fail(removed.error());
    return true;
  }

  // --- login codes -----------------------------------------------------------------
  result<login_code> create_login_code(customer_id who, timestamp now, std::chrono::seconds ttl) override {
    auto c = get_customer(who);
    if (!c) return fail(c.error());
    if (!*c) return fail(db_errc::not_found, "no such customer");
    login_code code{random_token(), now + ttl};
    json::object item{{"pk", attr(code_pk(hash_token(code.code)))},
                      {"sk", attr(code_sk)},
                      {"customer", attr(who)},
                      {"created_at", attr(to_unix(now))},
                      {"expires_at", attr(to_unix(code.expires_at))}};
    if (auto r = put(std::move(item), {}); !r) return fail(r.error());
    return code;
  }

  // One conditional update: DynamoDB applies the condition and the write to the item
  // atomically, so of concurrent consumers exactly one finds `used_at` absent.
  result<std::optional<customer_id>> consume_login_code(std::string_view code, timestamp now) override {
    json::object body{
        {"Key", item_key(code_pk(hash_token(code)), code_sk)},
        {"UpdateExpression", "SET #used = :now"},
        {"ConditionExpression", "attribute_exists(pk) AND attribute_not_exists(#used) AND #exp > :now"},
        {"ExpressionAttributeNames", {{"#used", "used_at"}, {"#exp", "expires_at"}}},
        {"ExpressionAttributeValues", values({{":now", attr(to_unix(now))}})},
        {"ReturnValues", "ALL_NEW"}};
    auto r = table_->call("UpdateItem", std::move(body));
    if (!r) {
      if (is_conditional_failure(r.error())) return std::optional<customer_id>{};
      return fail(r.error());
    }
    return std::optional<customer_id>(number(r->at("Attributes").as_object(), "customer"));
  }

  // --- sessions --------------------------------------------------------------------
  result<new_session> create_session(customer_id who, timestamp now, std::chrono::seconds ttl) override {
    new_session s;
    s.token = random_token();
    s.token_hash = hash_token(s.token);
    s.expires_at = now + ttl;
    json::object item{{"pk", attr(session_pk(s.token_hash))},
                      {"sk", attr(session_sk)},
                      {"customer", attr(who)},
                      {"created_at", attr(to_unix(now))},
                      {"expires_at", attr(to_unix(s.expires_at))},
                      {"gsi1pk", attr(customer_pk(who))},
                      {"gsi1sk", attr(session_pk(s.token_hash))}};
    if (auto r = put(std::move(item), {}); !r) return fail(r.error());
    return s;
  }

  // The hot path: one strongly consistent GetItem (a revoke is seen at once).
  result<std::optional<session>> lookup_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    std::uint64_t gen = 0;
    if (cache_.enabled()) {
      if (auto hit = cache_.find(hash, now)) return hit;
      gen = cache_.generation();
    }
    auto r = get(item_key(session_pk(hash), session_sk));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<session>{};
    const json::object& item = **r;
    auto expires = number(item, "expires_at");
    if (item.contains("revoked_at") || expires <= to_unix(now)) return std::optional<session>{};
    session s{number(item, "customer"), std::move(hash), from_unix(expires)};
    if (cache_.enabled()) cache_.put(s, now, gen);
    return std::optional<session>(std::move(s));
  }

  // The cache is cleared AFTER the write: a lookup in between would otherwise read the
  // still-live item and cache it again. A lookup that began before the write cannot
  // store its answer either: erase() moves the cache's generation on.
  result<void> revoke_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    auto r = revoke(hash, now);
    cache_.erase(hash);  // also when the write failed: this process refuses it at least
    if (!r) return fail(r.error());
    return {};
  }

  // The customer's sessions through gsi1 (gsi1pk = CUSTOMER#id). A GSI is eventually
  // consistent: a session created within the last moment may be missed on AWS
  // (docs/architecture.md, db).
  result<std::int64_t> revoke_sessions(customer_id who, timestamp now) override {
    std::vector<std::string> live;
    auto q = query_all(
        {{"IndexName", dynamodb_gsi1},
         {"KeyConditionExpression", "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)"},
         {"ExpressionAttributeValues", values({{":pk", attr(customer_pk(who))}, {":prefix", attr("SESSION#")}})}},
        [&](const json::object& i) {
          if (!i.contains("revoked_at") && number(i, "expires_at") > to_unix(now))
            live.push_back(text(i, "pk").substr(session_pk("").size()));
        });
    if (!q) return fail(q.error());
    std::int64_t revoked = 0;
    std::optional<error> failed;
    for (const auto& hash : live) {
      auto r = revoke(hash, now);
      if (r && *r) ++revoked;
      if (!r) failed = r.error();
    }
    cache_.erase_customer(who);
    if (failed) return fail(*failed);
    return revoked;
  }

  // --- jobs ------------------------------------------------------------------------
  result<job> create_job(const new_job& nj, timestamp now) override {
    if (auto v = check_new_job(nj); !v) return fail(v.error());
    auto owner = get_customer(nj.customer);
    if (!owner) return fail(owner.error());
    if (!*owner) return fail(db_errc::not_found, "no such customer");
    job j;
    j.id = nj.id.empty() ? random_job_id() : nj.id;
    j.customer = nj.customer;
    j.title = nj.title;
    j.address = nj.address;
    j.status = nj.status;
    j.scheduled_date = nj.scheduled_date;
    j.notes = nj.notes;
    j.access_instructions = nj.access_instructions;
    j.created_at = j.updated_at = now;
    json::object item{{"pk", attr(job_pk(j.id))},
                      {"sk", attr(job_sk)},
                      {"id", attr(j.id)},
                      {"customer", attr(j.customer)},
                      {"title", attr(j.title)},
                      {"address", attr(j.address)},
                      {"status", attr(j.status)},
                      {"notes", attr(j.notes)},
                      {"access_instructions", attr(j.access_instructions)},
                      {"photo_count", attr(std::int64_t{0})},
                      {"created_at", attr(to_unix(now))},
                      {"updated_at", attr(to_unix(now))},
                      {"gsi1pk", attr(customer_pk(j.customer))},
                      {"gsi1sk", attr(job_pk(j.id))}};
    if (j.scheduled_date) item["scheduled_date"] = attr(*j.scheduled_date);
    if (auto r = put(std::move(item), "attribute_not_exists(pk)"); !r) {
      if (is_conditional_failure(r.error())) return fail(db_errc::conflict, "the job id exists");
      return fail(r.error());
    }
    // The job's board entry (dynamodb_staff.hpp). The job stands if it fails; its next
    // activity cannot create it, so the failure is returned after all.
    if (auto b = board_job_created(*table_, j, **owner); !b) return fail(b.error());
    return j;
  }

  result<std::vector<job>> list_jobs(customer_id who) override {
    std::vector<job> out;
    auto q = query_all(
        {{"IndexName", dynamodb_gsi1},
         {"KeyConditionExpression", "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)"},
         {"ExpressionAttributeValues", values({{":pk", attr(customer_pk(who))}, {":prefix", attr("JOB#")}})}},
        [&](const json::object& i) { out.push_back(read_job(i)); });
    if (!q) return fail(q.error());
    std::sort(out.begin(), out.end(), job_order);
    return out;
  }

  // One GetItem on the job's key; a job of another customer is the same nullopt as
  // one that does not exist.
  result<std::optional<job>> get_job(std::string_view job_id, customer_id who) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    auto r = get(item_key(job_pk(job_id), job_sk));
    if (!r) return fail(r.error());
    if (!*r || number(**r, "customer") != who) return std::optional<job>{};
    return std::optional<job>(read_job(**r));
  }

  result<std::optional<job>> update_job(std::string_view job_id, customer_id who, const job_update& u,
                                        timestamp now) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    if (auto v = check_job_update(u); !v) return fail(v.error());
    std::string set = "SET #updated = :now";
    json::object names{{"#updated", "updated_at"}, {"#customer", "customer"}};
    json::object vals = values({{":now", attr(to_unix(now))}, {":customer", attr(who)}});
    if (u.notes) {
      set += ", #notes = :notes";
      names["#notes"] = "notes";
      vals[":notes"] = attr(*u.notes);
    }
    if (u.access_instructions) {
      set += ", #access = :access";
      names["#access"] = "access_instructions";
      vals[":access"] = attr(*u.access_instructions);
    }
    json::object body{{"Key", item_key(job_pk(job_id), job_sk)},
                      {"UpdateExpression", set},
                      {"ConditionExpression", "attribute_exists(pk) AND #customer = :customer"},
                      {"ExpressionAttributeNames", std::move(names)},
                      {"ExpressionAttributeValues", std::move(vals)},
                      {"ReturnValues", "ALL_NEW"}};
    auto r = table_->call("UpdateItem", std::move(body));
    if (!r) {
      if (is_conditional_failure(r.error())) return std::optional<job>{};
      return fail(r.error());
    }
    (void)board_touch(*table_, job_id, now, /*upload=*/false, /*quote_added=*/false);  // best effort
    return std::optional<job>(read_job(r->at("Attributes").as_object()));
  }

  // Admin only: every job is a Scan; one customer's the index.
  result<std::vector<job>> list_all_jobs(std::optional<customer_id> who) override {
    if (who) return list_jobs(*who);
    std::vector<job> out;
    auto r = scan_all("#sk = :sk", values({{":sk", attr(job_sk)}}), [&](const json::object& i) {
      out.push_back(read_job(i));
    });
    if (!r) return fail(r.error());
    std::sort(out.begin(), out.end(), [](const job& a, const job& b) {
      return a.customer != b.customer ? a.customer < b.customer : job_order(a, b);
    });
    return out;
  }

  // --- uploads ---------------------------------------------------------------------
  // The number comes from a conditional counter on the job item (ownership and cap in
  // the condition, ADD in the update): DynamoDB serializes writes to one item, so no
  // two callers get the same number. The upload record is written next, and only then
  // is the key handed out; a failure in between leaves the number unused: skipped,
  // never issued twice (docs/architecture.md, db).
  result<upload_slot> allocate_upload(const upload_request& req, timestamp now) override {
    if (auto v = check_upload_request(req); !v) return fail(v.error());
    if (req.client_id && !valid_job_id(*req.client_id))
      return fail(db_errc::invalid_argument, "client_id must match [A-Za-z0-9_-]{1,64}");
    if (req.client_id) {
      auto earlier = issued_to_client(req);
      if (!earlier) return fail(earlier.error());
      if (*earlier) return std::move(**earlier);
    }
    auto n = take_number(req);
    if (!n) return fail(n.error());
    upload_slot slot{*n, photo_key(req.job_id, *n, req.ext), false};
    json::object record{{"pk", attr(job_pk(req.job_id))},
                        {"sk", attr("UPLOAD#" + padded(slot.number, 10))},
                        {"number", attr(slot.number)},
                        {"key", attr(slot.key)},
                        {"customer", attr(req.customer)},
                        {"content_type", attr(req.content_type)},
                        {"size", attr(static_cast<std::int64_t>(req.size))},
                        // Not `expires_at`: the table's TTL would delete the record.
                        {"url_expires_at", attr(to_unix(req.expires_at))},
                        {"session_hash", attr(req.session_hash)},
                        {"created_at", attr(to_unix(now))}};
    if (req.checksum_sha256) record["checksum_sha256"] = attr(*req.checksum_sha256);
    if (req.client_id) record["client_id"] = attr(*req.client_id);
    if (req.shot) record["shot"] = attr(*req.shot);
    if (req.caption) record["caption"] = attr(*req.caption);
    record["state"] = attr(to_string(upload_state::pending));
    if (auto r = put(std::move(record), {}); !r) return fail(r.error());
    // Up the staff board. Best effort: the key is issued either way, and the board's
    // order is the only thing a failure here delays.
    (void)board_touch(*table_, req.job_id, now, /*upload=*/true, /*quote_added=*/false, slot.key);
    if (!req.client_id) return slot;
    // The client_id's claim, after the record: a slot found through it always has one.
    json::object claim{{"pk", attr(job_pk(req.job_id))}, {"sk", attr(client_sk(*req.client_id))},
                       {"customer", attr(req.customer)}, {"number", attr(slot.number)},
                       {"key", attr(slot.key)}};
    auto claimed = put(std::move(claim), "attribute_not_exists(pk)");
    if (claimed) return slot;
    if (!is_conditional_failure(claimed.error())) return fail(claimed.error());
    // A concurrent call with the same client_id claimed it first: theirs is the slot,
    // and this call's number stays unused.
    (void)table_->call("DeleteItem", {{"Key", item_key(job_pk(req.job_id), "UPLOAD#" + padded(slot.number, 10))}});
    auto theirs = issued_to_client(req);
    if (!theirs) return fail(theirs.error());
    if (!*theirs) return fail(db_errc::internal, "a client_id claim vanished");
    return std::move(**theirs);
  }

  // An allocation is two or more round trips to DynamoDB: `dropslot serve`'s worker
  // threads hand it to this pool and serve other connections meanwhile.
  void allocate_upload_async(upload_request req, timestamp now,
                             std::function<void(result<upload_slot>)> done) override {
    if (auto v = check_upload_request(req); !v) return done(fail(v.error()));
    auto job = [this, req = std::move(req), now, done]() { done(allocate_upload(req, now)); };
    if (!workers_.post(job)) job();
  }

  // --- shot lists and receipts ----------------------------------------------------
  result<bool> set_job_shots(std::string_view job_id, const std::optional<std::string>& shots_json,
                             timestamp now) override {
    if (!valid_job_id(job_id)) return false;
    json::object vals = values({{":now", attr(to_unix(now))}});
    std::string update = "SET #updated = :now";
    if (shots_json) {
      update += ", #shots = :shots";
      vals[":shots"] = attr(*shots_json);
    } else {
      update += " REMOVE #shots";
    }
    json::object body{{"Key", item_key(job_pk(job_id), job_sk)},
                      {"UpdateExpression", update},
                      {"ConditionExpression", "attribute_exists(pk)"},
                      {"ExpressionAttributeNames", {{"#updated", "updated_at"}, {"#shots", "shots"}}},
                      {"ExpressionAttributeValues", std::move(vals)}};
    auto r = table_->call("UpdateItem", std::move(body));
    if (r) return true;
    if (is_conditional_failure(r.error())) return false;
    return fail(r.error());
  }

  result<std::optional<upload_record>> get_upload(std::string_view job_id, std::int64_t n) override {
    if (!valid_job_id(job_id)) return std::optional<upload_record>{};
    auto r = get(item_key(job_pk(job_id), upload_sk(n)));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<upload_record>{};
    return std::optional<upload_record>(read_upload(**r));
  }

  // One strongly consistent Query of the job's partition (its UPLOAD# items).
  result<std::vector<upload_record>> list_uploads(std::string_view job_id) override {
    std::vector<upload_record> out;
    if (!valid_job_id(job_id)) return out;
    auto q = query_all({{"KeyConditionExpression", "pk = :pk AND begins_with(sk, :prefix)"},
                        {"ExpressionAttributeValues", values({{":pk", attr(job_pk(job_id))}, {":prefix", attr("UPLOAD#")}})},
                        {"ConsistentRead", true}},
                       [&](const json::object& i) { out.push_back(read_upload(i)); });
    if (!q) return fail(q.error());
    return out;
  }

  result<std::optional<upload_record>> label_upload(std::string_view job_id, std::int64_t n,
                                                    const upload_labels& l) override {
    if (!valid_job_id(job_id)) return std::optional<upload_record>{};
    if (!l.shot && !l.caption) return get_upload(job_id, n);
    // "" clears: REMOVE, as NULL in the SQL backends.
    std::vector<std::string> sets, removes;
    json::object names;
    json::object vals;
    auto field = [&](const std::optional<std::string>& v, std::string_view name) {
      if (!v) return;
      std::string ref = "#" + std::string(name);
      names[ref] = name;
      if (v->empty()) {
        removes.push_back(ref);
      } else {
        sets.push_back(ref + " = :" + std::string(name));
        vals[":" + std::string(name)] = attr(*v);
      }
    };
    field(l.shot, "shot");
    field(l.caption, "caption");
    std::string update;
    auto join = [](const std::vector<std::string>& parts) {
      std::string out;
      for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
      return out;
    };
    if (!sets.empty()) update += "SET " + join(sets);
    if (!removes.empty()) update += (update.empty() ? "" : " ") + std::string("REMOVE ") + join(removes);
    json::object body{{"Key", item_key(job_pk(job_id), upload_sk(n))},
                      {"UpdateExpression", update},
                      {"ConditionExpression", "attribute_exists(pk)"},
                      {"ExpressionAttributeNames", std::move(names)},
                      {"ReturnValues", "ALL_NEW"}};
    if (!vals.empty()) body["ExpressionAttributeValues"] = std::move(vals);
    auto r = table_->call("UpdateItem", std::move(body));
    if (!r) {
      if (is_conditional_failure(r.error())) return std::optional<upload_record>{};
      return fail(r.error());
    }
    return std::optional<upload_record>(read_upload(r->at("Attributes").as_object()));
  }

  // One conditional UpdateItem: DynamoDB serializes writes to the item, so of two
  // events racing each other only one moves it (database::set_upload_state).
  result<std::optional<upload_record>> set_upload_state(std::string_view job_id, std::int64_t n, upload_state to,
                                                        timestamp at) override {
    if (!valid_job_id(job_id)) return std::optional<upload_record>{};
    std::string condition = "attribute_exists(pk) AND (attribute_not_exists(#state) OR #state = :pending";
    json::object vals = values({{":to", attr(to_string(to))}, {":pending", attr(to_string(upload_state::pending))}});
    if (to == upload_state::received || to == upload_state::rejected) {
      condition += " OR #state = :expired";
      vals[":expired"] = attr(to_string(upload_state::expired));
    }
    condition += ")";
    std::string update = "SET #state = :to";
    json::object names{{"#state", "state"}};
    if (to == upload_state::received) {
      update += ", #received = :at";
      names["#received"] = "received_at";
      vals[":at"] = attr(to_unix(at));
    }
    json::object body{{"Key", item_key(job_pk(job_id), upload_sk(n))},
                      {"UpdateExpression", update},
                      {"ConditionExpression", condition},
                      {"ExpressionAttributeNames", std::move(names)},
                      {"ExpressionAttributeValues", std::move(vals)},
                      {"ReturnValues", "ALL_NEW"}};
    auto r = table_->call("UpdateItem", std::move(body));
    if (r) return std::optional<upload_record>(read_upload(r->at("Attributes").as_object()));
    if (!is_conditional_failure(r.error())) return fail(r.error());
    // No such record, or a move that is not allowed: the record as it stands.
    return get_upload(job_id, n);
  }

  // One Query of the job's partition, only its received uploads' shots returned.
  result<std::vector<shot_count>> received_shot_counts(std::string_view job_id) override {
    std::vector<shot_count> out;
    if (!valid_job_id(job_id)) return out;
    auto q = query_all({{"KeyConditionExpression", "pk = :pk AND begins_with(sk, :prefix)"},
                        {"FilterExpression", "#state = :received AND attribute_exists(#shot)"},
                        {"ProjectionExpression", "#shot"},
                        {"ExpressionAttributeNames", {{"#state", "state"}, {"#shot", "shot"}}},
                        {"ExpressionAttributeValues", values({{":pk", attr(job_pk(job_id))},
                                                              {":prefix", attr("UPLOAD#")},
                                                              {":received", attr(to_string(upload_state::received))}})},
                        {"ConsistentRead", true}},
                       [&](const json::object& i) {
                         std::string shot = text(i, "shot");
                         auto it = std::find_if(out.begin(), out.end(), [&](const shot_count& c) { return c.shot == shot; });
                         if (it == out.end()) out.push_back({std::move(shot), 1});
                         else ++it->count;
                       });
    if (!q) return fail(q.error());
    std::sort(out.begin(), out.end(), [](const shot_count& a, const shot_count& b) { return a.shot < b.shot; });
    return out;
  }

  // --- quote requests --------------------------------------------------------------
  result<quote> create_quote(const new_quote& q, timestamp now) override {
    if (auto v = check_new_quote(q); !v) return fail(v.error());
    if (q.job_id) {
      auto j = get_job(*q.job_id, q.customer);
      if (!j) return fail(j.error());
      if (!*j) return fail(db_errc::not_found, "no such job");
    }
    auto id = next_counter("QUOTE");
    if (!id) return fail(id.error());
    quote out{*id, q.customer, q.job_id, q.description, q.preferred_date, now};
    // Sorted by creation time, then id: a Query backwards lists the newest first.
    json::object item{{"pk", attr(customer_pk(q.customer))},
                      {"sk", attr("QUOTE#" + padded(to_unix(now), 12) + "#" + padded(out.id, 19))},
                      {"id", attr(out.id)},
                      {"customer", attr(q.customer)},
                      {"description", attr(q.description)},
                      {"created_at", attr(to_unix(now))}};
    if (q.job_id) item["job_id"] = attr(*q.job_id);
    if (q.preferred_date) item["preferred_date"] = attr(*q.preferred_date);
    // Where staff's reply finds it, written first (dynamodb_staff.hpp).
    if (auto r = quote_reference(*table_, out.id, q.customer, text(item, "sk"), q.job_id); !r) return fail(r.error());
    if (auto r = put(std::move(item), {}); !r) return fail(r.error());
    if (q.job_id) (void)board_touch(*table_, *q.job_id, now, /*upload=*/false, /*quote_added=*/true);
    return out;
  }

  result<std::vector<quote>> list_quotes(customer_id who) override {
    std::vector<quote> out;
    auto q = query_all({{"KeyConditionExpression", "pk = :pk AND begins_with(sk, :prefix)"},
                        {"ExpressionAttributeValues", values({{":pk", attr(customer_pk(who))}, {":prefix", attr("QUOTE#")}})},
                        {"ScanIndexForward", false}},
                       [&](const json::object& i) { out.push_back(read_quote(i)); });
    if (!q) return fail(q.error());
    return out;
  }

 private:
  // A strongly consistent GetItem; nullopt when there is no such item.
  result<std::optional<json::object>> get(json::object key) {
    auto r = table_->call("GetItem", {{"Key", std::move(key)}, {"ConsistentRead", true}});
    if (!r) return fail(r.error());
    return found_item(*r);
  }

  // PutItem, under `condition` when one is given (conflict when it fails).
  result<void> put(json::object item, std::string_view condition) {
    json::object body{{"Item", std::move(item)}};
    if (!condition.empty()) body["ConditionExpression"] = condition;
    auto r = table_->call("PutItem", std::move(body));
    if (!r) return fail(r.error());
    return {};
  }

  // Marks one session revoked; true when this call revoked it (false: unknown or revoked).
  result<bool> revoke(const std::string& hash, timestamp now) {
    json::object body{{"Key", item_key(session_pk(hash), session_sk)},
                      {"UpdateExpression", "SET #revoked = :now"},
                      {"ConditionExpression", "attribute_exists(pk) AND attribute_not_exists(#revoked)"},
                      {"ExpressionAttributeNames", {{"#revoked", "revoked_at"}}},
                      {"ExpressionAttributeValues", values({{":now", attr(to_unix(now))}})}};
    auto r = table_->call("UpdateItem", std::move(body));
    if (r) return true;
    if (is_conditional_failure(r.error())) return false;
    return fail(r.error());
  }

  // The next value of a counter item (COUNTER / name): 1, 2, ...
  result<std::int64_t> next_counter(std::string_view name) {
    json::object body{{"Key", item_key("COUNTER", name)},
                      {"UpdateExpression", "ADD #n :one"},
                      {"ExpressionAttributeNames", {{"#n", "n"}}},
                      {"ExpressionAttributeValues", values({{":one", attr(std::int64_t{1})}})},
                      {"ReturnValues", "UPDATED_NEW"}};
    auto r = table_->call("UpdateItem", std::move(body));
    if (!r) return fail(r.error());
    return number(r->at("Attributes").as_object(), "n");
  }

  // The job's next photo number, if the job is the caller's and under the cap.
  result<std::int64_t> take_number(const upload_request& req) {
    std::string condition = "attribute_exists(pk) AND #customer = :customer";
    json::object vals = values({{":one", attr(std::int64_t{1})}, {":customer", attr(req.customer)}});
    if (req.max_photos) {
      condition += " AND #count < :max";
      vals[":max"] = attr(*req.max_photos);
    }
    json::object body{{"Key", item_key(job_pk(req.job_id), job_sk)},
                      {"UpdateExpression", "ADD #count :one"},
                      {"ConditionExpression", condition},
                      {"ExpressionAttributeNames", {{"#count", "photo_count"}, {"#customer", "customer"}}},
                      {"ExpressionAttributeValues", std::move(vals)},
                      {"ReturnValues", "UPDATED_NEW"}};
    auto r = table_->call("UpdateItem", std::move(body));
    if (r) return number(r->at("Attributes").as_object(), "photo_count");
    if (!is_conditional_failure(r.error())) return fail(r.error());
    // Tell "not your job" from "cap reached".
    auto j = get_job(req.job_id, req.customer);
    if (!j) return fail(j.error());
    if (!*j) return fail(db_errc::not_found, "no such job");
    return fail(db_errc::limit_reached, "the job's photo limit is reached");
  }

  // The slot an earlier call with req.client_id was given; nullopt when none.
  // not_found when the claim is another customer's (that job is not the caller's).
  result<std::optional<upload_slot>> issued_to_client(const upload_request& req) {
    auto r = get(item_key(job_pk(req.job_id), client_sk(*req.client_id)));
    if (!r) return fail(r.error());
    if (!*r) return std::optional<upload_slot>{};
    if (number(**r, "customer") != req.customer) return fail(db_errc::not_found, "no such job");
    return std::optional<upload_slot>(upload_slot{number(**r, "number"), text(**r, "key"), true});
  }

  // Query (every page), `each` called per item.
  template <class F>
  result<void> query_all(json::object body, F&& each) {
    for (;;) {
      auto r = table_->call("Query", body);
      if (!r) return fail(r.error());
      for (const auto& i : r->at("Items").as_array()) each(i.as_object());
      auto* last = r->if_contains("LastEvaluatedKey");
      if (!last) return {};
      body["ExclusiveStartKey"] = *last;
    }
  }

  // DeleteItem by key; deleting a missing item is not an error.
  result<void> remove(json::object key) {
    auto r = table_->call("DeleteItem", {{"Key", std::move(key)}});
    if (!r) return fail(r.error());
    return {};
  }

  // `action` (Query or Scan) with `body`, every page, `each` called per item.
  template <class F>
  result<void> pages(std::string_view action, json::object body, F&& each) {
    for (;;) {
      auto r = table_->call(action, body);
      if (!r) return fail(r.error());
      for (const auto& i : r->at("Items").as_array()) each(i.as_object());
      auto* last = r->if_contains("LastEvaluatedKey");
      if (!last) return {};
      body["ExclusiveStartKey"] = *last;
    }
  }

  // Scan (every page) with a filter on attributes named #sk.
  template <class F>
  result<void> scan_all(std::string_view filter, json::object vals, F&& each) {
    json::object body{{"FilterExpression", filter},
                      {"ExpressionAttributeNames", {{"#sk", "sk"}}},
                      {"ExpressionAttributeValues", std::move(vals)},
                      {"ConsistentRead", true}};
    for (;;) {
      auto r = table_->call("Scan", body);
      if (!r) return fail(r.error());
      for (const auto& i : r->at("Items").as_array()) each(i.as_object());
      auto* last = r->if_contains("LastEvaluatedKey");
      if (!last) return {};
      body["ExclusiveStartKey"] = *last;
    }
  }

  std::unique_ptr<dynamodb_table> table_;
  session_cache cache_;
  // Destroyed before the table: queued allocations finish while it still exists.
  util::worker_pool workers_;
  std::unique_ptr<staff_database> staff_;  // uses table_ and this
};

std::string table_status(const json::object& describe) {
  auto* t = describe.if_contains("Table");
  if (!t || !t->is_object()) return {};
  auto* s = t->get_object().if_contains("TableStatus");
  return s && s->is_string() ? std::string(s->get_string()) : std::string();
}

// Waits until the table is ACTIVE (a new table is CREATING for a few seconds on AWS).
result<void> wait_active(dynamodb_table& table) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  for (;;) {
    auto d = table.call("DescribeTable", {});
    if (!d) return fail(d.error());
    std::string status = table_status(*d);
    if (status == "ACTIVE" || status == "UPDATING") return {};
    if (std::chrono::steady_clock::now() > deadline)
      return fail(db_errc::unavailable, "DynamoDB table " + table.name() + " is still " + status);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// TTL on expires_at (login codes, sessions), once: DescribeTimeToLive first, since
// UpdateTimeToLive refuses to enable it twice. dynalite has no UpdateTimeToLive
// (UnknownOperationException) and deletes nothing by TTL: skipped there, and the
// backend never relies on TTL (every read checks expires_at itself).
result<void> enable_ttl(dynamodb_table& table) {
  auto d = table.call_raw("DescribeTimeToLive", {});
  if (d) {
    const auto* desc = d->if_contains("TimeToLiveDescription");
    const auto* status = desc && desc->is_object() ? desc->get_object().if_contains("TimeToLiveStatus") : nullptr;
    if (status && status->is_string() && (status->get_string() == "ENABLED" || status->get_string() == "ENABLING"))
      return {};
  } else if (d.error().type != "UnknownOperationException") {
    return fail(to_db_error(d.error(), table.name()));
  }
  auto u = table.call_raw(
      "UpdateTimeToLive",
      {{"TimeToLiveSpecification", {{"Enabled", true}, {"AttributeName", dynamodb_ttl_attribute}}}});
  if (u || u.error().type == "UnknownOperationException") return {};
  // Another opener enabled it meanwhile.
  if (u.error().type == "ValidationException" && u.error().message.find("already enabled") != std::string::npos)
    return {};
  return fail(to_db_error(u.error(), table.name()));
}

// DescribeTable; when the table is missing, creates it (or, under create_tables =
// false, says so naming it).
result<void> ensure_table(dynamodb_table& table, const std::string& prefix, bool create_tables) {
  auto d = table.call_raw("DescribeTable", {});
  if (d) {
    if (table_status(*d) != "ACTIVE")
      if (auto w = wait_active(table); !w) return w;
    return create_tables ? enable_ttl(table) : result<void>{};
  }
  if (d.error().type != "ResourceNotFoundException") return fail(to_db_error(d.error(), table.name()));
  if (!create_tables)
    return fail(db_errc::not_found, "DynamoDB table " + table.name() +
                                        " does not exist (dropslot lambda never creates tables: deploy the template, "
                                        "or run dropslot admin migrate --database dynamodb://" + prefix + ")");
  auto c = table.call_raw("CreateTable", dynamodb_table_definition(prefix));
  // ResourceInUseException: another process is creating it at this moment.
  if (!c && c.error().type != "ResourceInUseException") return fail(to_db_error(c.error(), table.name()));
  if (auto w = wait_active(table); !w) return w;
  return enable_ttl(table);
}

}  // namespace

result<std::unique_ptr<database>> open_dynamodb(const std::string& url, const open_options& options) {
  auto prefix = dynamodb_prefix_of(url);
  if (!prefix) return fail(prefix.error());
  auto table = std::make_unique<dynamodb_table>(make_dynamodb_client(s3::process_environment(), options.aws_transport),
                                                dynamodb_table_name(*prefix));
  if (auto e = ensure_table(*table, *prefix, options.create_tables); !e) return fail(e.error());
  return std::unique_ptr<database>(new dynamodb_database(std::move(table), options));
}

}  // namespace dropslot::db::detail
