// The database contract, run against every backend (see database_test_fixture.hpp).
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <dropslot/db/seed.hpp>

#include "database_test_fixture.hpp"

namespace dropslot::db::testing {
namespace {

using namespace std::chrono_literals;

const timestamp t0{std::chrono::seconds(1'800'000'000)};

customer_id add_customer(database& db, const std::string& email) {
  auto c = db.create_customer("Customer " + email, email, t0);
  EXPECT_TRUE(c) << c.error().message();
  return c ? c->id : 0;
}

job add_job(database& db, customer_id owner, const std::string& id) {
  new_job j;
  j.id = id;
  j.customer = owner;
  j.title = "Job " + id;
  j.address = "1 Main St";
  j.scheduled_date = "2026-12-01";
  auto r = db.create_job(j, t0);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : job{};
}

upload_request upload_for(const std::string& job_id, customer_id c) {
  upload_request r;
  r.job_id = job_id;
  r.customer = c;
  r.content_type = "image/jpeg";
  r.size = 1234;
  r.expires_at = t0 + 900s;
  r.session_hash = hash_token("session");
  r.ext = "jpg";
  return r;
}

TEST_P(database_test, ping_answers) { EXPECT_TRUE(db_->ping()); }

TEST_P(database_test, reopening_keeps_data_and_does_not_reapply_migrations) {
  customer_id id = add_customer(*db_, "a@example.com");
  add_job(*db_, id, "job-1");
  db_.reset();
  for (int i = 0; i < 2; ++i) {
    auto again = reopen();
    ASSERT_TRUE(again);
    auto jobs = again->list_jobs(id);
    ASSERT_TRUE(jobs);
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_EQ(jobs->front().id, "job-1");
  }
}

TEST_P(database_test, concurrent_openers_all_succeed_on_one_schema) {
  // A fresh database opened by several "processes" at once: each migration applies once.
  TearDown();
  scratch_ = std::make_unique<scratch_database>(GetParam());
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      auto d = open_database(scratch_->url());
      if (!d) {
        errors[i] = "open: " + d.error().message();
      } else if (auto p = (*d)->ping(); !p) {
        errors[i] = "ping: " + p.error().message();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(errors[i], "") << i;
  auto d = reopen();
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->create_customer("x", "x@example.com", t0));
}

TEST_P(database_test, customers_are_created_listed_and_found) {
  auto a = db_->create_customer("Ann", "ann@example.com", t0);
  ASSERT_TRUE(a) << a.error().message();
  auto b = db_->create_customer("Bob", "bob@example.com", t0 + 1s);
  ASSERT_TRUE(b);
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(a->created_at, t0);

  auto all = db_->list_customers();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "Ann");
  EXPECT_EQ((*all)[1].email, "bob@example.com");

  auto got = db_->get_customer(b->id);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->name, "Bob");
  auto none = db_->get_customer(b->id + 1000);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_P(database_test, duplicate_email_is_a_conflict_and_empty_fields_are_refused) {
  add_customer(*db_, "dup@example.com");
  auto again = db_->create_customer("Other", "dup@example.com", t0);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, db_errc::conflict);
  auto empty = db_->create_customer("", "e@example.com", t0);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, db_errc::invalid_argument);
}

TEST_P(database_test, login_code_is_spent_once) {
  customer_id id = add_customer(*db_, "a@example.com");
  auto code = db_->create_login_code(id, t0, 15min);
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_EQ(code->code.size(), 64u);
  EXPECT_EQ(code->expires_at, t0 + 15min);

  auto first = db_->consume_login_code(code->code, t0 + 1s);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, id);
  auto second = db_->consume_login_code(code->code, t0 + 2s);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->has_value());
}

TEST_P(database_test, login_code_expires_and_unknown_codes_fail) {
  customer_id id = add_customer(*db_, "a@example.com");
  auto code = db_->create_login_code(id, t0, 15min);
  ASSERT_TRUE(code);
  auto late = db_->consume_login_code(code->code, t0 + 15min);
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->has_value());
  auto forged = db_->consume_login_code(std::string(64, 'a'), t0);
  ASSERT_TRUE(forged);
  EXPECT_FALSE(forged->has_value());
  auto nobody = db_->create_login_code(id + 999, t0, 15min);
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, db_errc::not_found);
}

TEST_P(database_test, concurrent_consumers_of_one_code_have_one_winner) {
  customer_id id = add_customer(*db_, "a@example.com");
  auto other = reopen();  // a second "process" competes too
  ASSERT_TRUE(other);
  for (int round = 0; round < 5; ++round) {
    auto code = db_->create_login_code(id, t0, 15min);
    ASSERT_TRUE(code);
    std::atomic<int> winners{0}, errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i)
      threads.emplace_back([&, i] {
        database& d = (i % 2) ? *other : *db_;
        auto r = d.consume_login_code(code->code, t0 + 1s);
        if (!r) ++errors;
        else if (r->has_value()) ++winners;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(errors.load(), 0);
  }
}

TEST_P(database_test, session_lookup_expiry_and_revocation) {
  customer_id id = add_customer(*db_, "a@example.com");
  auto s = db_->create_session(id, t0, 1h);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_EQ(s->token_hash, hash_token(s->token));
  EXPECT_NE(s->token, s->token_hash);

  auto found = db_->lookup_session(s->token, t0 + 10s);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->customer, id);
  EXPECT_EQ((*found)->expires_at, t0 + 1h);
  EXPECT_EQ((*found)->token_hash, s->token_hash);

  auto expired = db_->lookup_session(s->token, t0 + 1h);
  ASSERT_TRUE(expired);
  EXPECT_FALSE(expired->has_value());

  // A token's hash is not a token.
  auto by_hash = db_->lookup_session(s->token_hash, t0 + 10s);
  ASSERT_TRUE(by_hash);
  EXPECT_FALSE(by_hash->has_value());

  ASSERT_TRUE(db_->revoke_session(s->token, t0 + 20s));
  auto revoked = db_->lookup_session(s->token, t0 + 21s);
  ASSERT_TRUE(revoked);
  EXPECT_FALSE(revoked->has_value());
  EXPECT_TRUE(db_->revoke_session(s->token, t0 + 22s));  // twice is fine
  EXPECT_TRUE(db_->revoke_session("never-issued", t0 + 22s));
}

TEST_P(database_test, revoke_all_ends_every_session_of_one_customer_only) {
  customer_id a = add_customer(*db_, "a@example.com");
  customer_id b = add_customer(*db_, "b@example.com");
  auto a1 = db_->create_session(a, t0, 1h);
  auto a2 = db_->create_session(a, t0, 1h);
  auto b1 = db_->create_session(b, t0, 1h);
  ASSERT_TRUE(a1 && a2 && b1);
  auto n = db_->revoke_sessions(a, t0 + 1s);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  EXPECT_FALSE(db_->lookup_session(a1->token, t0 + 2s)->has_value());
  EXPECT_FALSE(db_->lookup_session(a2->token, t0 + 2s)->has_value());
  EXPECT_TRUE(db_->lookup_session(b1->token, t0 + 2s)->has_value());
}

TEST_P(database_test, cached_sessions_still_revoke_at_once_in_process) {
  open_options o;
  o.session_cache_ttl = 60s;
  auto cached = reopen(o);
  ASSERT_TRUE(cached);
  customer_id id = add_customer(*cached, "a@example.com");
  auto s = cached->create_session(id, t0, 1h);
  auto s2 = cached->create_session(id, t0, 1h);
  ASSERT_TRUE(s && s2);
  ASSERT_TRUE(cached->lookup_session(s->token, t0)->has_value());  // now cached
  ASSERT_TRUE(cached->lookup_session(s->token, t0)->has_value());
  ASSERT_TRUE(cached->revoke_session(s->token, t0 + 1s));
  EXPECT_FALSE(cached->lookup_session(s->token, t0 + 1s)->has_value());

  ASSERT_TRUE(cached->lookup_session(s2->token, t0 + 1s)->has_value());
  ASSERT_TRUE(cached->revoke_sessions(id, t0 + 2s));
  EXPECT_FALSE(cached->lookup_session(s2->token, t0 + 2s)->has_value());
  // Expiry holds inside the cache too.
  auto s3 = cached->create_session(id, t0, 10s);
  ASSERT_TRUE(cached->lookup_session(s3->token, t0 + 5s)->has_value());
  EXPECT_FALSE(cached->lookup_session(s3->token, t0 + 10s)->has_value());
}

TEST_P(database_test, jobs_are_scoped_to_their_customer) {
  customer_id a = add_customer(*db_, "a@example.com");
  customer_id b = add_customer(*db_, "b@example.com");
  add_job(*db_, a, "a-job");
  add_job(*db_, b, "b-job");

  auto mine = db_->get_job("a-job", a);
  ASSERT_TRUE(mine);
  ASSERT_TRUE(mine->has_value());
  EXPECT_EQ((*mine)->title, "Job a-job");
  EXPECT_EQ((*mine)->scheduled_date, "2026-12-01");
  EXPECT_EQ((*mine)->status, "scheduled");

  auto theirs = db_->get_job("a-job", b);
  ASSERT_TRUE(theirs);
  EXPECT_FALSE(theirs->has_value());
  auto missing = db_->get_job("no-such-job", a);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());

  auto list = db_->list_jobs(b);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, "b-job");

  auto all = db_->list_all_jobs();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  auto only_a = db_->list_all_jobs(a);
  ASSERT_TRUE(only_a);
  ASSERT_EQ(only_a->size(), 1u);
}

TEST_P(database_test, only_the_owner_updates_notes_and_access_instructions) {
  customer_id a = add_customer(*db_, "a@example.com");
  customer_id b = add_customer(*db_, "b@example.com");
  add_job(*db_, a, "a-job");

  job_update u;
  u.notes = "Gate code 1234";
  auto by_b = db_->update_job("a-job", b, u, t0 + 5s);
  ASSERT_TRUE(by_b);
  EXPECT_FALSE(by_b->has_value());
  EXPECT_EQ((*db_->get_job("a-job", a))->notes, "");

  auto by_a = db_->update_job("a-job", a, u, t0 + 5s);
  ASSERT_TRUE(by_a);
  ASSERT_TRUE(by_a->has_value());
  EXPECT_EQ((*by_a)->notes, "Gate code 1234");
  EXPECT_EQ((*by_a)->access_instructions, "");
  EXPECT_EQ((*by_a)->updated_at, t0 + 5s);

  job_update u2;
  u2.access_instructions = "Back door";
  auto second = db_->update_job("a-job", a, u2, t0 + 6s);
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ((*second)->notes, "Gate code 1234");  // untouched field kept
  EXPECT_EQ((*second)->access_instructions, "Back door");
}

TEST_P(database_test, job_ids_are_validated_and_unique) {
  customer_id a = add_customer(*db_, "a@example.com");
  for (const std::string& bad : std::vector<std::string>{"../x", "a/b", std::string(65, 'j'), "caf\xc3\xa9", "a b", "x%2e"}) {
    new_job j;
    j.id = bad;
    j.customer = a;
    j.title = "t";
    auto r = db_->create_job(j, t0);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, db_errc::invalid_argument) << bad;
    auto g = db_->get_job(bad, a);
    ASSERT_TRUE(g);
    EXPECT_FALSE(g->has_value());
  }
  add_job(*db_, a, std::string(64, 'j'));
  new_job dup;
  dup.id = std::string(64, 'j');
  dup.customer = a;
  dup.title = "again";
  auto r = db_->create_job(dup, t0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, db_errc::conflict);

  new_job picked;
  picked.customer = a;
  picked.title = "auto id";
  auto p = db_->create_job(picked, t0);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(valid_job_id(p->id));

  new_job orphan;
  orphan.customer = a + 999;
  orphan.title = "nobody's";
  auto o = db_->create_job(orphan, t0);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, db_errc::not_found);
}

TEST_P(database_test, allocation_numbers_keys_in_order) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "j1");
  auto first = db_->allocate_upload(upload_for("j1", a), t0);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->number, 1);
  EXPECT_EQ(first->key, "jobs/j1/photo-001.jpg");
  auto req = upload_for("j1", a);
  req.ext = "png";
  req.checksum_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  auto second = db_->allocate_upload(req, t0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->key, "jobs/j1/photo-002.png");
  EXPECT_EQ((*db_->get_job("j1", a))->photo_count, 2);
}

TEST_P(database_test, keys_grow_past_three_digits) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "big");
  upload_slot last;
  for (int i = 1; i <= 1001; ++i) {
    auto r = db_->allocate_upload(upload_for("big", a), t0);
    ASSERT_TRUE(r) << r.error().message();
    if (i == 999) {
      EXPECT_EQ(r->key, "jobs/big/photo-999.jpg");
    }
    last = *r;
  }
  EXPECT_EQ(last.number, 1001);
  EXPECT_EQ(last.key, "jobs/big/photo-1001.jpg");
}

TEST_P(database_test, allocation_is_refused_for_someone_elses_job_and_past_the_cap) {
  customer_id a = add_customer(*db_, "a@example.com");
  customer_id b = add_customer(*db_, "b@example.com");
  add_job(*db_, a, "j1");
  auto stolen = db_->allocate_upload(upload_for("j1", b), t0);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, db_errc::not_found);
  auto missing = db_->allocate_upload(upload_for("nope", a), t0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, db_errc::not_found);
  auto bad = db_->allocate_upload(upload_for("../j1", a), t0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, db_errc::invalid_argument);
  auto bad_ext = upload_for("j1", a);
  bad_ext.ext = "jpg/../x";
  EXPECT_FALSE(db_->allocate_upload(bad_ext, t0));

  auto capped = upload_for("j1", a);
  capped.max_photos = 2;
  EXPECT_TRUE(db_->allocate_upload(capped, t0));
  EXPECT_TRUE(db_->allocate_upload(capped, t0));
  auto third = db_->allocate_upload(capped, t0);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, db_errc::limit_reached);
  EXPECT_EQ((*db_->get_job("j1", a))->photo_count, 2);  // a refused call takes no number
}

TEST_P(database_test, hundred_concurrent_allocations_get_hundred_distinct_keys) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "busy-job");
  auto second_handle = reopen();  // another process's connections compete too
  ASSERT_TRUE(second_handle);
  constexpr int n = 100;
  std::vector<std::string> keys(n);
  std::vector<std::string> errors(n);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      database& d = (i % 2) ? *second_handle : *db_;
      auto r = d.allocate_upload(upload_for("busy-job", a), t0);
      if (r) keys[i] = r->key;
      else errors[i] = r.error().message();
    });
  go = true;
  for (auto& t : threads) t.join();
  for (int i = 0; i < n; ++i) EXPECT_EQ(errors[i], "") << i;
  std::set<std::string> distinct(keys.begin(), keys.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(n));
  for (int i = 1; i <= n; ++i) EXPECT_TRUE(distinct.contains(photo_key("busy-job", i, "jpg"))) << i;
  EXPECT_EQ((*db_->get_job("busy-job", a))->photo_count, n);
}

// The numbers of the successful answers among `indices`, sorted.
std::vector<std::int64_t> numbers_of(const async_answers& got, const std::vector<std::size_t>& indices) {
  std::vector<std::int64_t> out;
  for (std::size_t i : indices)
    if (auto a = got.answer(i); a && *a) out.push_back((*a)->number);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

// Queues n allocations, request(i) for the i-th, each answered into `got`. On SQLite the
// writer is held (by `gate`) answering the first while the rest queue up: 1..n-1 are
// then one batch, one transaction.
template <class Request>
void queue_behind_gate(database& db, batch_gate& gate, async_answers& got, std::size_t n, Request request) {
  db.allocate_upload_async(request(0), t0, gate.hold(got.to(0)));
  gate.wait_held();
  for (std::size_t i = 1; i < n; ++i) db.allocate_upload_async(request(i), t0, got.to(i));
}

TEST_P(database_test, async_allocations_queued_together_are_each_answered_once) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "batch");
  constexpr std::size_t n = 200;
  async_answers got(n);
  {
    batch_gate gate;
    queue_behind_gate(*db_, gate, got, n, [&](std::size_t) { return upload_for("batch", a); });
  }
  ASSERT_TRUE(got.wait_all());
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < n; ++i) {
    all.push_back(i);
    auto r = got.answer(i);
    ASSERT_TRUE(*r) << i << ": " << r->error().message();
    EXPECT_EQ((*r)->key, photo_key("batch", (*r)->number, "jpg")) << i;
  }
  EXPECT_EQ(numbers_of(got, all), one_to(n));
  // The next allocation is answered after every earlier one: none of those runs again.
  auto next = db_->allocate_upload(upload_for("batch", a), t0);
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(next->number, static_cast<std::int64_t>(n) + 1);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(got.calls(i), 1) << i;
  EXPECT_EQ((*db_->get_job("batch", a))->photo_count, static_cast<std::int64_t>(n) + 1);
}

TEST_P(database_test, a_refused_allocation_in_a_batch_fails_alone_and_records_nothing) {
  customer_id a = add_customer(*db_, "a@example.com");
  customer_id b = add_customer(*db_, "b@example.com");
  add_job(*db_, a, "mine");
  add_job(*db_, b, "theirs");
  // Queue positions 3 and 7 are refused: b's job, a job that does not exist.
  constexpr std::size_t n = 10, theirs_at = 3, missing_at = 7;
  async_answers got(n);
  {
    batch_gate gate;
    queue_behind_gate(*db_, gate, got, n, [&](std::size_t i) {
      return i == theirs_at ? upload_for("theirs", a) : i == missing_at ? upload_for("nope", a) : upload_for("mine", a);
    });
  }
  ASSERT_TRUE(got.wait_all());
  std::vector<std::size_t> valid;
  for (std::size_t i = 0; i < n; ++i) {
    auto r = got.answer(i);
    if (i == theirs_at || i == missing_at) {
      ASSERT_FALSE(*r) << i;
      EXPECT_EQ(r->error().code, db_errc::not_found) << i;
      continue;
    }
    ASSERT_TRUE(*r) << i << ": " << r->error().message();
    EXPECT_EQ((*r)->key, photo_key("mine", (*r)->number, "jpg"));
    valid.push_back(i);
  }
  EXPECT_EQ(numbers_of(got, valid), one_to(n - 2));
  // Neither refusal took a number, on their job or on ours.
  EXPECT_EQ((*db_->get_job("mine", a))->photo_count, static_cast<std::int64_t>(n) - 2);
  EXPECT_EQ((*db_->get_job("theirs", b))->photo_count, 0);
  auto next = db_->allocate_upload(upload_for("mine", a), t0);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->number, static_cast<std::int64_t>(n) - 1);
  auto theirs_next = db_->allocate_upload(upload_for("theirs", b), t0);
  ASSERT_TRUE(theirs_next);
  EXPECT_EQ(theirs_next->number, 1);
}

TEST_P(database_test, the_photo_cap_holds_inside_one_batch) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "capped");
  auto req = upload_for("capped", a);
  req.max_photos = 5;
  constexpr std::size_t n = 12;
  async_answers got(n);
  {
    batch_gate gate;  // on SQLite, 1..n-1 are one batch, which crosses the cap
    queue_behind_gate(*db_, gate, got, n, [&](std::size_t) { return req; });
  }
  ASSERT_TRUE(got.wait_all());
  std::vector<std::size_t> all;
  int refused = 0;
  for (std::size_t i = 0; i < n; ++i) {
    all.push_back(i);
    auto r = got.answer(i);
    if (!*r) {
      EXPECT_EQ(r->error().code, db_errc::limit_reached) << i << ": " << r->error().message();
      ++refused;
    }
  }
  EXPECT_EQ(numbers_of(got, all), one_to(5));
  EXPECT_EQ(refused, 7);
  EXPECT_EQ((*db_->get_job("capped", a))->photo_count, 5);
}

TEST_P(database_test, destroying_the_database_answers_and_keeps_every_queued_allocation) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "closing");
  constexpr std::size_t n = 100;
  async_answers got(n);
  batch_gate gate;
  queue_behind_gate(*db_, gate, got, n, [&](std::size_t) { return upload_for("closing", a); });
  // On SQLite the writer is held in the first callback with the rest still queued: the
  // destructor starts with allocations waiting, and must answer them all first. The
  // gate opens from another thread since the destructor blocks this one (the pause
  // only makes it likely that the destructor has begun; either order must work).
  std::thread opener([&] {
    std::this_thread::sleep_for(100ms);
    gate.open();
  });
  db_.reset();
  EXPECT_EQ(got.answered(), n);  // no waiting: the destructor has returned
  opener.join();
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < n; ++i) {
    all.push_back(i);
    EXPECT_EQ(got.calls(i), 1) << i;
    auto r = got.answer(i);
    ASSERT_TRUE(r) << i;
    EXPECT_TRUE(*r) << i << ": " << r->error().message();
  }
  EXPECT_EQ(numbers_of(got, all), one_to(n));

  auto again = reopen();
  ASSERT_TRUE(again);
  EXPECT_EQ((*again->get_job("closing", a))->photo_count, static_cast<std::int64_t>(n));
  auto next = again->allocate_upload(upload_for("closing", a), t0);
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(next->number, static_cast<std::int64_t>(n) + 1);
}

TEST_P(database_test, sql_injection_attempts_are_stored_literally) {
  const std::string evil_name = "Robert'); DROP TABLE customers;--";
  const std::string evil_email = "x' OR '1'='1@example.com";
  auto c = db_->create_customer(evil_name, evil_email, t0);
  ASSERT_TRUE(c) << c.error().message();
  new_job j;
  j.id = "inj";
  j.customer = c->id;
  j.title = "'; UPDATE jobs SET customer_id = 0; --";
  j.address = "\"quoted\" \\ backslash $1 ?1 %s";
  j.notes = "unicode: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\xb7";
  ASSERT_TRUE(db_->create_job(j, t0));
  job_update u;
  u.access_instructions = "1; DELETE FROM sessions WHERE '1'='1";
  ASSERT_TRUE(db_->update_job("inj", c->id, u, t0));

  auto all = db_->list_customers();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().name, evil_name);
  EXPECT_EQ(all->front().email, evil_email);
  auto got = db_->get_job("inj", c->id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->title, j.title);
  EXPECT_EQ((*got)->address, j.address);
  EXPECT_EQ((*got)->notes, j.notes);
  EXPECT_EQ((*got)->access_instructions, *u.access_instructions);
  // A lookup with an injected "token" finds nothing rather than everything.
  auto s = db_->lookup_session("' OR '1'='1", t0);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->has_value());
  auto nul = db_->create_customer(std::string("a\0b", 3), "nul@example.com", t0);
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().code, db_errc::invalid_argument);
}

TEST_P(database_test, quotes_are_listed_newest_first_and_checked_for_ownership) {
  customer_id a = add_customer(*db_, "a@example.com");
  customer_id b = add_customer(*db_, "b@example.com");
  add_job(*db_, a, "a-job");
  new_quote q1{a, std::nullopt, "New boiler please", "2027-01-15"};
  new_quote q2{a, std::string("a-job"), "Also the gutters", std::nullopt};
  auto r1 = db_->create_quote(q1, t0);
  ASSERT_TRUE(r1) << r1.error().message();
  auto r2 = db_->create_quote(q2, t0 + 1s);
  ASSERT_TRUE(r2) << r2.error().message();
  EXPECT_EQ(r2->job_id, "a-job");

  new_quote stolen{b, std::string("a-job"), "mine now", std::nullopt};
  auto r3 = db_->create_quote(stolen, t0);
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, db_errc::not_found);
  new_quote empty{a, std::nullopt, "", std::nullopt};
  auto r4 = db_->create_quote(empty, t0);
  ASSERT_FALSE(r4);
  EXPECT_EQ(r4.error().code, db_errc::invalid_argument);

  auto list = db_->list_quotes(a);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].description, "Also the gutters");
  EXPECT_EQ((*list)[1].preferred_date, "2027-01-15");
  EXPECT_FALSE((*list)[1].job_id.has_value());
  EXPECT_TRUE(db_->list_quotes(b)->empty());
}

// Admin: `dropslot admin customer remove` (the deploy smoke test cleans up with it).
// Through a handle with the session cache on: the removed customer's cached session
// must stop working at once, like a revoke.
TEST_P(database_test, deleting_a_customer_removes_everything_of_theirs_only) {
  open_options o;
  o.session_cache_ttl = 60s;
  auto d = reopen(o);
  ASSERT_TRUE(d);
  customer_id a = add_customer(*d, "a@example.com");
  customer_id b = add_customer(*d, "b@example.com");
  add_job(*d, a, "a-job");
  add_job(*d, a, "a-job-2");
  add_job(*d, b, "b-job");
  auto a_session = d->create_session(a, t0, 1h);
  auto a_session2 = d->create_session(a, t0, 1h);
  auto b_session = d->create_session(b, t0, 1h);
  ASSERT_TRUE(a_session && a_session2 && b_session);
  ASSERT_TRUE(d->lookup_session(a_session->token, t0)->has_value());  // now cached
  auto a_code = d->create_login_code(a, t0);
  auto b_code = d->create_login_code(b, t0);
  ASSERT_TRUE(a_code && b_code);
  ASSERT_TRUE(d->allocate_upload(upload_for("a-job", a), t0));
  auto with_id = upload_for("a-job", a);
  with_id.client_id = "photo-1";
  ASSERT_TRUE(d->allocate_upload(with_id, t0));
  ASSERT_TRUE(d->allocate_upload(upload_for("b-job", b), t0));
  ASSERT_TRUE(d->create_quote(new_quote{a, std::nullopt, "a quote", std::nullopt}, t0));
  ASSERT_TRUE(d->create_quote(new_quote{a, std::string("a-job"), "a job quote", std::nullopt}, t0 + 1s));
  ASSERT_TRUE(d->create_quote(new_quote{b, std::string("b-job"), "b quote", std::nullopt}, t0));

  auto removed = d->delete_customer(a);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_TRUE(*removed);

  EXPECT_FALSE(d->get_customer(a)->has_value());
  auto customers = d->list_customers();
  ASSERT_TRUE(customers);
  ASSERT_EQ(customers->size(), 1u);
  EXPECT_EQ(customers->front().id, b);
  EXPECT_TRUE(d->list_jobs(a)->empty());
  EXPECT_TRUE(d->list_all_jobs(a)->empty());
  EXPECT_FALSE(d->get_job("a-job", a)->has_value());
  EXPECT_FALSE(d->lookup_session(a_session->token, t0 + 1s)->has_value());  // the cached one too
  EXPECT_FALSE(d->lookup_session(a_session2->token, t0 + 1s)->has_value());
  EXPECT_FALSE(d->consume_login_code(a_code->code, t0 + 1s)->has_value());
  EXPECT_TRUE(d->list_quotes(a)->empty());
  auto refused = d->allocate_upload(upload_for("a-job", a), t0 + 1s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, db_errc::not_found);
  // Another process sees the same (no cache there).
  auto other = reopen();
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->lookup_session(a_session->token, t0 + 1s)->has_value());
  EXPECT_FALSE(other->get_customer(a)->has_value());

  // The other customer keeps everything.
  EXPECT_TRUE(d->lookup_session(b_session->token, t0 + 1s)->has_value());
  auto b_job = d->get_job("b-job", b);
  ASSERT_TRUE(b_job && b_job->has_value());
  EXPECT_EQ((*b_job)->photo_count, 1);
  ASSERT_EQ(d->list_quotes(b)->size(), 1u);
  EXPECT_EQ(d->consume_login_code(b_code->code, t0 + 1s).value(), std::optional<customer_id>(b));

  // The email and the job ids are free again, with no upload record left behind.
  auto again = d->create_customer("Again", "a@example.com", t0 + 2s);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_NE(again->id, a);
  EXPECT_TRUE(d->list_jobs(again->id)->empty());
  EXPECT_TRUE(d->list_quotes(again->id)->empty());
  add_job(*d, again->id, "a-job");
  auto same_client_id = with_id;
  same_client_id.customer = again->id;
  auto first = d->allocate_upload(same_client_id, t0 + 2s);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->number, 1);  // a fresh slot, not the removed customer's
  EXPECT_FALSE(first->reused);

  // Removing twice, or an unknown customer, is not an error.
  auto twice = d->delete_customer(a);
  ASSERT_TRUE(twice) << twice.error().message();
  EXPECT_FALSE(*twice);
  auto unknown = d->delete_customer(987654);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
  EXPECT_EQ(d->list_customers()->size(), 2u);
}

TEST_P(database_test, seed_demo_is_idempotent) {
  auto first = seed_demo(*db_, t0);
  ASSERT_TRUE(first) << first.error().message();
  auto second = seed_demo(*db_, t0 + 1s);
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
  auto jobs = db_->list_jobs(*first);
  ASSERT_TRUE(jobs);
  EXPECT_EQ(jobs->size(), 3u);
  EXPECT_EQ(db_->list_customers()->size(), 1u);
}

// --- client_id: a retried upload-url never makes a second photo (issue 15) --------

upload_request upload_with_id(const std::string& job_id, customer_id c, const std::string& client_id) {
  auto r = upload_for(job_id, c);
  r.client_id = client_id;
  return r;
}

TEST_P(database_test, client_id_same_id_gets_the_same_slot_again) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "j1");
  auto first = db_->allocate_upload(upload_with_id("j1", a, "p-1"), t0);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->key, "jobs/j1/photo-001.jpg");
  EXPECT_FALSE(first->reused);
  auto again = db_->allocate_upload(upload_with_id("j1", a, "p-1"), t0 + 60s);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->number, first->number);
  EXPECT_EQ(again->key, first->key);
  EXPECT_TRUE(again->reused);
  // The retry took no photo of its own.
  EXPECT_EQ((*db_->get_job("j1", a))->photo_count, 1);
}

TEST_P(database_test, client_id_different_ids_and_no_id_get_different_numbers) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "j1");
  add_job(*db_, a, "j2");
  std::set<std::string> keys;
  for (const char* id : {"p-1", "p-2", "P_1"}) {
    auto r = db_->allocate_upload(upload_with_id("j1", a, id), t0);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_FALSE(r->reused) << id;
    keys.insert(r->key);
  }
  for (int i = 0; i < 2; ++i) {  // no id: a new number every time, as before
    auto r = db_->allocate_upload(upload_for("j1", a), t0);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->reused);
    keys.insert(r->key);
  }
  EXPECT_EQ(keys.size(), 5u);
  // An id is per job: the same id in another job is another photo.
  auto other = db_->allocate_upload(upload_with_id("j2", a, "p-1"), t0);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->key, "jobs/j2/photo-001.jpg");
  EXPECT_FALSE(other->reused);
}

TEST_P(database_test, client_id_reuse_does_not_count_against_max_photos) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "j1");
  auto capped = [&](const std::string& id) {
    auto r = upload_with_id("j1", a, id);
    r.max_photos = 2;
    return db_->allocate_upload(r, t0);
  };
  ASSERT_TRUE(capped("a"));
  ASSERT_TRUE(capped("b"));
  auto retry = capped("a");  // the job is full, but this photo is already in it
  ASSERT_TRUE(retry) << retry.error().message();
  EXPECT_TRUE(retry->reused);
  EXPECT_EQ(retry->number, 1);
  auto third = capped("c");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, db_errc::limit_reached);
}

TEST_P(database_test, client_id_of_someone_elses_job_is_not_found) {
  customer_id a = add_customer(*db_, "a@example.com");
  customer_id b = add_customer(*db_, "b@example.com");
  add_job(*db_, a, "j1");
  ASSERT_TRUE(db_->allocate_upload(upload_with_id("j1", a, "p-1"), t0));
  // B names A's job with A's photo ID: no slot, and no hint that the ID exists.
  auto stolen = db_->allocate_upload(upload_with_id("j1", b, "p-1"), t0);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, db_errc::not_found);
}

TEST_P(database_test, client_id_that_breaks_the_pattern_is_invalid) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "j1");
  for (const std::string& bad :
       std::vector<std::string>{"", "a/b", "a b", "x.jpg", std::string(65, 'p'), "caf\xc3\xa9", std::string("a\0b", 3)}) {
    auto r = db_->allocate_upload(upload_with_id("j1", a, bad), t0);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, db_errc::invalid_argument) << bad;
  }
  ASSERT_TRUE(db_->allocate_upload(upload_with_id("j1", a, std::string(64, 'p')), t0));
  EXPECT_EQ((*db_->get_job("j1", a))->photo_count, 1);  // the refused ones took no number
}

TEST_P(database_test, client_id_concurrent_requests_with_one_id_get_one_slot) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "race");
  auto second_handle = reopen();  // another process's connections compete too
  ASSERT_TRUE(second_handle);
  constexpr int n = 24;
  std::vector<std::optional<result<upload_slot>>> got(n);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      database& d = (i % 2) ? *second_handle : *db_;
      got[i] = d.allocate_upload(upload_with_id("race", a, "same-photo"), t0);
    });
  go = true;
  for (auto& t : threads) t.join();
  std::set<std::string> keys;
  int fresh = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(*got[i]) << i << ": " << (*got[i]).error().message();
    keys.insert((*got[i])->key);
    fresh += (*got[i])->reused ? 0 : 1;
  }
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_EQ(fresh, 1);  // exactly one request made the slot; the others found it
}

TEST_P(database_test, client_id_repeated_within_one_queued_batch_gets_one_slot) {
  customer_id a = add_customer(*db_, "a@example.com");
  add_job(*db_, a, "batch");
  constexpr std::size_t n = 12;
  async_answers got(n);
  {
    batch_gate gate;
    // Every third request names the same photo; the others each their own.
    queue_behind_gate(*db_, gate, got, n, [&](std::size_t i) {
      return upload_with_id("batch", a, i % 3 == 0 ? "same" : "own-" + std::to_string(i));
    });
  }
  ASSERT_TRUE(got.wait_all());
  std::set<std::string> same_keys, all_keys;
  int fresh_same = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto r = got.answer(i);
    ASSERT_TRUE(r && *r) << i << ": " << (r ? (*r).error().message() : "no answer");
    all_keys.insert((*r)->key);
    if (i % 3 == 0) {
      same_keys.insert((*r)->key);
      fresh_same += (*r)->reused ? 0 : 1;
    } else {
      EXPECT_FALSE((*r)->reused) << i;
    }
  }
  EXPECT_EQ(same_keys.size(), 1u);
  EXPECT_EQ(fresh_same, 1);
  EXPECT_EQ(all_keys.size(), n - n / 3 + 1);
}

}  // namespace
}  // namespace dropslot::db::testing
