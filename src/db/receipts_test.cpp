// Shot lists and upload receipts (issue 22) against every backend
// (database_test_fixture.hpp): every state change, moves repeated and out of order,
// labels, the per-shot counts behind missing_shots, and the shot-list parser.
#include <dropslot/db/receipts.hpp>

#include "database_test_fixture.hpp"

namespace dropslot::db::testing {
namespace {

using namespace std::chrono_literals;

const timestamp t0{std::chrono::seconds(1'800'000'000)};

struct receipts_world {
  customer_id owner = 0;
  std::string job = "job-r";
};

receipts_world make_world(database& db) {
  receipts_world w;
  auto c = db.create_customer("Receipts", "receipts@example.com", t0);
  EXPECT_TRUE(c) << c.error().message();
  w.owner = c ? c->id : 0;
  new_job j;
  j.id = w.job;
  j.customer = w.owner;
  j.title = "Garage clear-out";
  auto made = db.create_job(j, t0);
  EXPECT_TRUE(made) << made.error().message();
  return w;
}

upload_slot allocate(database& db, const receipts_world& w, std::optional<std::string> shot = std::nullopt,
                     std::optional<std::string> caption = std::nullopt) {
  upload_request r;
  r.job_id = w.job;
  r.customer = w.owner;
  r.content_type = "image/jpeg";
  r.size = 2048;
  r.expires_at = t0 + 900s;
  r.session_hash = hash_token("session");
  r.ext = "jpg";
  r.shot = std::move(shot);
  r.caption = std::move(caption);
  auto s = db.allocate_upload(r, t0);
  EXPECT_TRUE(s) << s.error().message();
  return s ? *s : upload_slot{};
}

upload_state state_after(database& db, const receipts_world& w, std::int64_t n, upload_state to, timestamp at) {
  auto r = db.set_upload_state(w.job, n, to, at);
  EXPECT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r && *r);
  return r && *r ? (*r)->state : upload_state::pending;
}

TEST_P(database_test, a_new_upload_is_pending_with_its_shot_and_caption) {
  auto w = make_world(*db_);
  auto slot = allocate(*db_, w, "wide", "The whole garage, ünder the stairs");
  auto rec = db_->get_upload(w.job, slot.number);
  ASSERT_TRUE(rec) << rec.error().message();
  ASSERT_TRUE(*rec);
  EXPECT_EQ((*rec)->key, slot.key);
  EXPECT_EQ((*rec)->customer, w.owner);
  EXPECT_EQ((*rec)->size, 2048u);
  EXPECT_EQ((*rec)->content_type, "image/jpeg");
  EXPECT_EQ((*rec)->state, upload_state::pending);
  EXPECT_EQ((*rec)->shot, "wide");
  EXPECT_EQ((*rec)->caption, "The whole garage, ünder the stairs");
  EXPECT_FALSE((*rec)->received_at);
  auto none = db_->get_upload(w.job, slot.number + 1);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto list = db_->list_uploads(w.job);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().key, slot.key);
}

TEST_P(database_test, pending_moves_once_and_final_states_stay) {
  auto w = make_world(*db_);
  auto a = allocate(*db_, w), b = allocate(*db_, w), c = allocate(*db_, w), d = allocate(*db_, w);
  // pending -> received, with the time; a second received (an event delivered twice)
  // keeps the first time; a late rejected or expired changes nothing.
  EXPECT_EQ(state_after(*db_, w, a.number, upload_state::received, t0 + 5s), upload_state::received);
  EXPECT_EQ(state_after(*db_, w, a.number, upload_state::received, t0 + 9s), upload_state::received);
  EXPECT_EQ(state_after(*db_, w, a.number, upload_state::rejected, t0 + 10s), upload_state::received);
  EXPECT_EQ(state_after(*db_, w, a.number, upload_state::expired, t0 + 11s), upload_state::received);
  auto ra = db_->get_upload(w.job, a.number);
  ASSERT_TRUE(ra && *ra);
  EXPECT_EQ((*ra)->received_at, t0 + 5s);
  // pending -> rejected is final: a later received (out of order) does not revive it.
  EXPECT_EQ(state_after(*db_, w, b.number, upload_state::rejected, t0 + 5s), upload_state::rejected);
  EXPECT_EQ(state_after(*db_, w, b.number, upload_state::received, t0 + 6s), upload_state::rejected);
  EXPECT_EQ(state_after(*db_, w, b.number, upload_state::expired, t0 + 7s), upload_state::rejected);
  auto rb = db_->get_upload(w.job, b.number);
  ASSERT_TRUE(rb && *rb);
  EXPECT_FALSE((*rb)->received_at);
  // pending -> expired; the object came after all: expired -> received.
  EXPECT_EQ(state_after(*db_, w, c.number, upload_state::expired, t0 + 86400s), upload_state::expired);
  EXPECT_EQ(state_after(*db_, w, c.number, upload_state::expired, t0 + 86401s), upload_state::expired);
  EXPECT_EQ(state_after(*db_, w, c.number, upload_state::received, t0 + 86402s), upload_state::received);
  // expired -> rejected (a late object that failed the checks).
  EXPECT_EQ(state_after(*db_, w, d.number, upload_state::expired, t0 + 86400s), upload_state::expired);
  EXPECT_EQ(state_after(*db_, w, d.number, upload_state::rejected, t0 + 86401s), upload_state::rejected);
  // A record that does not exist: nullopt, nothing created.
  auto none = db_->set_upload_state(w.job, 99, upload_state::received, t0);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto list = db_->list_uploads(w.job);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 4u);
}

TEST_P(database_test, received_shot_counts_feed_missing_shots) {
  auto w = make_world(*db_);
  auto wide1 = allocate(*db_, w, "wide"), wide2 = allocate(*db_, w, "wide"), close = allocate(*db_, w, "closeup");
  auto unlabelled = allocate(*db_, w);
  const auto shots = builtin_shots();
  auto counts = db_->received_shot_counts(w.job);
  ASSERT_TRUE(counts);
  EXPECT_TRUE(counts->empty());  // pending photos cover nothing
  EXPECT_EQ(missing_shots(shots, *counts), (std::vector<std::string>{"wide", "closeup", "access"}));
  state_after(*db_, w, wide1.number, upload_state::received, t0);
  state_after(*db_, w, wide2.number, upload_state::received, t0);
  state_after(*db_, w, close.number, upload_state::rejected, t0);
  state_after(*db_, w, unlabelled.number, upload_state::received, t0);
  counts = db_->received_shot_counts(w.job);
  ASSERT_TRUE(counts);
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ(counts->front().shot, "wide");
  EXPECT_EQ(counts->front().count, 2);
  EXPECT_EQ(missing_shots(shots, *counts), (std::vector<std::string>{"closeup", "access"}));
}

TEST_P(database_test, labels_change_and_clear_and_job_shots_are_set_and_reset) {
  auto w = make_world(*db_);
  auto slot = allocate(*db_, w, "wide", "first");
  auto r = db_->label_upload(w.job, slot.number, upload_labels{"access", std::nullopt});
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->shot, "access");
  EXPECT_EQ((*r)->caption, "first");  // unset: unchanged
  r = db_->label_upload(w.job, slot.number, upload_labels{std::nullopt, std::string()});
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->shot, "access");
  EXPECT_FALSE((*r)->caption);  // "": cleared
  auto none = db_->label_upload(w.job, 42, upload_labels{"wide", std::nullopt});
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  auto j = db_->get_job(w.job, w.owner);
  ASSERT_TRUE(j && *j);
  EXPECT_FALSE((*j)->shots);  // the operator's default
  const std::string own = shots_to_json({{"roof", "The roof", std::nullopt, true}});
  auto set = db_->set_job_shots(w.job, own, t0 + 1s);
  ASSERT_TRUE(set);
  EXPECT_TRUE(*set);
  j = db_->get_job(w.job, w.owner);
  ASSERT_TRUE(j && *j);
  EXPECT_EQ((*j)->shots, own);
  auto list = shots_of(**j, builtin_shots());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, "roof");
  ASSERT_TRUE(db_->set_job_shots(w.job, std::nullopt, t0 + 2s));
  j = db_->get_job(w.job, w.owner);
  ASSERT_TRUE(j && *j);
  EXPECT_FALSE((*j)->shots);
  auto missing = db_->set_job_shots("no-such-job", own, t0);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_P(database_test, bad_shot_or_caption_is_refused_before_a_number_is_taken) {
  auto w = make_world(*db_);
  upload_request r;
  r.job_id = w.job;
  r.customer = w.owner;
  r.content_type = "image/jpeg";
  r.size = 10;
  r.expires_at = t0 + 900s;
  r.session_hash = hash_token("s");
  r.ext = "jpg";
  r.shot = "Not Valid";
  auto bad = db_->allocate_upload(r, t0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, db_errc::invalid_argument);
  r.shot.reset();
  r.caption = std::string(501, 'x');
  bad = db_->allocate_upload(r, t0);
  ASSERT_FALSE(bad);
  r.caption = std::string(500, 'x');
  auto ok = db_->allocate_upload(r, t0);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->number, 1);
}

TEST(shot_list, parses_checks_and_round_trips) {
  auto s = parse_shots(R"([{"id":"wide","label":"Wide","required":true},{"id":"x-1","label":"X","hint":"h"}])");
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_TRUE((*s)[0].required);
  EXPECT_FALSE((*s)[1].required);
  EXPECT_EQ((*s)[1].hint, "h");
  auto again = parse_shots(shots_to_json(*s));
  ASSERT_TRUE(again);
  EXPECT_EQ(shots_to_json(*again), shots_to_json(*s));
  for (const char* bad : {"{}", "[1]", R"([{"id":"Wide","label":"x"}])", R"([{"id":"a","label":""}])",
                          R"([{"id":"a","label":"x"},{"id":"a","label":"y"}])", R"([{"id":"a","label":"x","extra":1}])",
                          R"([{"id":"a","label":"x","required":"yes"}])", "not json"})
    EXPECT_FALSE(parse_shots(bad)) << bad;
  EXPECT_EQ(builtin_shots().size(), 4u);
}

TEST(shot_list, captions_count_characters_not_bytes) {
  EXPECT_TRUE(valid_caption(""));
  std::string five_hundred_e_acute;
  for (int i = 0; i < 500; ++i) five_hundred_e_acute += "\xc3\xa9";  // 1,000 bytes, 500 characters
  EXPECT_TRUE(valid_caption(five_hundred_e_acute));
  EXPECT_FALSE(valid_caption(five_hundred_e_acute + "e"));
  EXPECT_FALSE(valid_caption("\xc3"));          // cut in the middle of a character
  EXPECT_FALSE(valid_caption("\xed\xa0\x80"));  // a surrogate
}

}  // namespace
}  // namespace dropslot::db::testing
