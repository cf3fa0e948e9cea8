// What only the DynamoDB backend has: its table definition, opening without creating
// (Lambda), client_id idempotency, and dynalite going away and coming back. The shared
// suite (database_test.cpp) runs on DynamoDB in this same binary.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include <boost/json.hpp>

#include <dropslot/db/database.hpp>
#include <dropslot/db/dynamodb_schema.hpp>

#include "dynalite_server.hpp"
#include "dynamodb_table.hpp"

namespace dropslot::db::testing {
namespace {

using namespace std::chrono_literals;

const timestamp t0{std::chrono::seconds(1'800'000'000)};

std::string fresh_url() {
  static int n = 0;
  return "dynamodb://unit-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

class dynamodb_backend : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& s = dynalite_server::shared();
    ASSERT_TRUE(s.running()) << s.error();
    s.export_environment();
  }
};

TEST(dynamodb_schema, one_table_with_the_fixed_keys_and_index) {
  auto d = dynamodb_table_definition("shop");
  EXPECT_EQ(d.at("TableName").as_string(), "shop-main");
  EXPECT_EQ(d.at("BillingMode").as_string(), "PAY_PER_REQUEST");
  EXPECT_EQ(boost::json::serialize(d.at("KeySchema")),
            R"([{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}])");
  const auto& gsi = d.at("GlobalSecondaryIndexes").as_array();
  ASSERT_EQ(gsi.size(), 1u);
  EXPECT_EQ(gsi[0].at("IndexName").as_string(), "gsi1");
  EXPECT_EQ(boost::json::serialize(gsi[0].at("KeySchema")),
            R"([{"AttributeName":"gsi1pk","KeyType":"HASH"},{"AttributeName":"gsi1sk","KeyType":"RANGE"}])");
  EXPECT_EQ(gsi[0].at("Projection").at("ProjectionType").as_string(), "ALL");
  EXPECT_EQ(d.at("AttributeDefinitions").as_array().size(), 4u);
  for (const auto& a : d.at("AttributeDefinitions").as_array()) EXPECT_EQ(a.at("AttributeType").as_string(), "S");
}

TEST(dynamodb_schema, prefixes_are_checked) {
  EXPECT_EQ(*dynamodb_prefix_of("dynamodb://my-app.prod_1"), "my-app.prod_1");
  for (const char* bad : {"dynamodb://", "dynamodb://a/b", "dynamodb://a b", "dynamo://x", "dynamodb://caf\xc3\xa9"}) {
    auto r = dynamodb_prefix_of(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, db_errc::invalid_argument) << bad;
    auto o = open_database(bad);
    EXPECT_FALSE(o) << bad;
  }
}

TEST(dynamodb_errors, aws_answers_map_to_db_errc) {
  using s3::aws_error;
  using s3::aws_json_errc;
  auto code = [](const aws_error& e) { return detail::to_db_error(e, "shop-main").code; };
  EXPECT_EQ(code({aws_json_errc::service_error, "ConditionalCheckFailedException", 400, "failed"}),
            make_error_code(db_errc::conflict));
  EXPECT_EQ(code({aws_json_errc::throttled, "ProvisionedThroughputExceededException", 400, ""}),
            make_error_code(db_errc::unavailable));
  EXPECT_EQ(code({aws_json_errc::unavailable, "InternalServerError", 500, ""}), make_error_code(db_errc::unavailable));
  EXPECT_EQ(code({aws_json_errc::unavailable, "", 0, "Couldn't connect to server"}),
            make_error_code(db_errc::unavailable));
  EXPECT_EQ(code({aws_json_errc::service_error, "ValidationException", 400, "bad"}), make_error_code(db_errc::internal));
  auto missing = detail::to_db_error({aws_json_errc::service_error, "ResourceNotFoundException", 400, ""}, "shop-main");
  EXPECT_EQ(missing.code, make_error_code(db_errc::internal));
  EXPECT_NE(missing.detail.find("shop-main"), std::string::npos);
}

TEST_F(dynamodb_backend, opening_creates_the_table_as_defined) {
  auto url = fresh_url();
  auto d = open_database(url);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ((*d)->backend(), "dynamodb");
  detail::dynamodb_table t(detail::make_dynamodb_client(s3::process_environment()),
                           dynamodb_table_name(url.substr(11)));
  auto described = t.call("DescribeTable", {});
  ASSERT_TRUE(described) << described.error().message();
  const auto& table = described->at("Table").as_object();
  auto want = dynamodb_table_definition(url.substr(11));
  EXPECT_EQ(table.at("KeySchema"), want.at("KeySchema"));
  EXPECT_EQ(table.at("GlobalSecondaryIndexes").at(0).at("KeySchema"),
            want.at("GlobalSecondaryIndexes").at(0).at("KeySchema"));
  EXPECT_EQ(table.at("TableStatus").as_string(), "ACTIVE");
}

TEST_F(dynamodb_backend, lambda_never_creates_the_table_and_names_the_missing_one) {
  auto url = fresh_url();
  open_options o;
  o.create_tables = false;
  auto d = open_database(url, o);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, db_errc::not_found);
  EXPECT_NE(d.error().detail.find(url.substr(11) + "-main"), std::string::npos) << d.error().detail;
  // Still missing afterwards; once created (admin migrate = an open that creates),
  // the same open succeeds.
  EXPECT_FALSE(open_database(url, o));
  ASSERT_TRUE(open_database(url));
  auto again = open_database(url, o);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE((*again)->ping());
}

upload_request upload_for(const std::string& job_id, customer_id c, std::optional<std::string> client_id) {
  upload_request r;
  r.job_id = job_id;
  r.customer = c;
  r.content_type = "image/jpeg";
  r.size = 10;
  r.expires_at = t0 + 900s;
  r.session_hash = hash_token("s");
  r.ext = "jpg";
  r.client_id = std::move(client_id);
  return r;
}

TEST_F(dynamodb_backend, a_client_id_gets_its_slot_again_without_a_new_number) {
  auto d = open_database(fresh_url());
  ASSERT_TRUE(d) << d.error().message();
  auto& db = **d;
  auto a = db.create_customer("A", "a@example.com", t0);
  auto b = db.create_customer("B", "b@example.com", t0);
  ASSERT_TRUE(a && b);
  new_job j;
  j.id = "j";
  j.customer = a->id;
  j.title = "t";
  ASSERT_TRUE(db.create_job(j, t0));
  auto req = upload_for("j", a->id, "photo-1");
  req.max_photos = 2;
  auto first = db.allocate_upload(req, t0);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_FALSE(first->reused);
  auto again = db.allocate_upload(req, t0);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->reused);
  EXPECT_EQ(again->number, first->number);
  EXPECT_EQ(again->key, first->key);
  EXPECT_EQ((*db.get_job("j", a->id))->photo_count, 1);
  EXPECT_TRUE(db.allocate_upload(upload_for("j", a->id, "photo-2"), t0));
  // At the cap: a new client_id is refused, a known one still answers.
  auto capped = upload_for("j", a->id, "photo-3");
  capped.max_photos = 2;
  auto third = db.allocate_upload(capped, t0);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, db_errc::limit_reached);
  EXPECT_TRUE(db.allocate_upload(req, t0));
  // Another customer's call with a known client_id of that job is a missing job.
  auto stolen = db.allocate_upload(upload_for("j", b->id, "photo-1"), t0);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, db_errc::not_found);
  auto bad = db.allocate_upload(upload_for("j", a->id, "no/slashes"), t0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, db_errc::invalid_argument);
}

TEST_F(dynamodb_backend, concurrent_calls_with_one_client_id_share_one_slot) {
  auto d = open_database(fresh_url());
  ASSERT_TRUE(d) << d.error().message();
  auto& db = **d;
  auto a = db.create_customer("A", "a@example.com", t0);
  ASSERT_TRUE(a);
  new_job j;
  j.id = "j";
  j.customer = a->id;
  j.title = "t";
  ASSERT_TRUE(db.create_job(j, t0));
  std::vector<std::thread> threads;
  std::vector<std::string> keys(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto r = db.allocate_upload(upload_for("j", a->id, "same"), t0);
      keys[i] = r ? r->key : "error: " + r.error().message();
    });
  for (auto& t : threads) t.join();
  for (const auto& k : keys) EXPECT_EQ(k, keys[0]);
  EXPECT_EQ(keys[0].rfind("jobs/j/photo-", 0), 0u) << keys[0];
}

// Every item of a customer, seen in the raw table: after delete_customer only the
// counters are left (uploads and client_id claims included, which no database call
// lists). A removal that stopped half-way (here: the sessions, a code and the email
// claim already gone, the rest not) is finished by calling it again.
TEST_F(dynamodb_backend, removing_a_customer_leaves_only_the_counters_and_resumes_after_a_partial_run) {
  auto url = fresh_url();
  auto d = open_database(url);
  ASSERT_TRUE(d) << d.error().message();
  auto& db = **d;
  auto a = db.create_customer("A", "a@example.com", t0);
  ASSERT_TRUE(a);
  new_job j;
  j.id = "j";
  j.customer = a->id;
  j.title = "t";
  ASSERT_TRUE(db.create_job(j, t0));
  ASSERT_TRUE(db.allocate_upload(upload_for("j", a->id, "photo-1"), t0));
  ASSERT_TRUE(db.allocate_upload(upload_for("j", a->id, std::nullopt), t0));
  auto s = db.create_session(a->id, t0, 1h);
  ASSERT_TRUE(s);
  ASSERT_TRUE(db.create_login_code(a->id, t0));
  ASSERT_TRUE(db.create_quote(new_quote{a->id, std::string("j"), "q", std::nullopt}, t0));

  detail::dynamodb_table t(detail::make_dynamodb_client(s3::process_environment()), dynamodb_table_name(url.substr(11)));
  auto items = [&] {
    std::vector<std::string> out;
    boost::json::object body{{"ConsistentRead", true}};
    for (;;) {
      auto r = t.call("Scan", body);
      EXPECT_TRUE(r) << r.error().message();
      if (!r) return out;
      for (const auto& i : r->at("Items").as_array())
        out.push_back(detail::text(i.as_object(), "pk") + " " + detail::text(i.as_object(), "sk"));
      auto* last = r->if_contains("LastEvaluatedKey");
      if (!last) break;
      body["ExclusiveStartKey"] = *last;
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto before = items();
  // 2 counters, claim, profile, code, session, job, 2 uploads, client claim, quote, and
  // the company side's board entry and quote reference (dynamodb_staff.hpp).
  EXPECT_EQ(before.size(), 13u) << ::testing::PrintToString(before);
  // The first run "failed" after the sessions, the codes and the email claim.
  for (const auto& i : before) {
    auto space = i.find(' ');
    std::string pk = i.substr(0, space), sk = i.substr(space + 1);
    if (sk == "SESSION" || sk == "CODE" || sk == "EMAIL")
      ASSERT_TRUE(t.call("DeleteItem", {{"Key", detail::item_key(pk, sk)}}));
  }
  auto removed = db.delete_customer(a->id);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_TRUE(*removed);
  EXPECT_EQ(items(), (std::vector<std::string>{"COUNTER CUSTOMER", "COUNTER QUOTE"}));
  auto again = db.delete_customer(a->id);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

// Throttling, through a stand-in for AWS (throttling_proxy: two of every three
// requests answered ProvisionedThroughputExceededException, the third forwarded to
// dynalite): every call is retried until it gets through, and a conditional check
// failure is answered at once, never sent again.
TEST(dynamodb_faults, throttled_calls_are_retried_and_conditional_failures_are_not) {
  auto& server = dynalite_server::shared();
  ASSERT_TRUE(server.running()) << server.error();
  server.export_environment();
  throttling_proxy proxy(server.port(), 2, 3);
  ::setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.endpoint().c_str(), 1);
  auto d = open_database(fresh_url());
  server.export_environment();
  ASSERT_TRUE(d) << d.error().message();
  auto& db = **d;
  auto a = db.create_customer("A", "a@example.com", t0);
  ASSERT_TRUE(a) << a.error().message();
  new_job j;
  j.id = "j";
  j.customer = a->id;
  j.title = "t";
  ASSERT_TRUE(db.create_job(j, t0));
  for (int i = 1; i <= 3; ++i) {
    auto slot = db.allocate_upload(upload_for("j", a->id, std::nullopt), t0);
    ASSERT_TRUE(slot) << slot.error().message();
    EXPECT_EQ(slot->number, i);
  }
  auto code = db.create_login_code(a->id, t0, 15min);
  ASSERT_TRUE(code);
  int failures_before = proxy.conditional_failures(), forwarded_before = proxy.forwarded();
  EXPECT_TRUE(db.consume_login_code(code->code, t0)->has_value());
  EXPECT_FALSE(db.consume_login_code(code->code, t0)->has_value());  // a conditional check failure
  EXPECT_EQ(proxy.conditional_failures() - failures_before, 1);
  EXPECT_EQ(proxy.forwarded() - forwarded_before, 2);  // one per call: the failure was not sent again
  EXPECT_EQ(proxy.throttled(), 2 * proxy.forwarded());
}

// dynalite killed mid-run: every call is `unavailable` at once, nothing is left
// half-written, and the same handle answers again once it is back.
TEST(dynamodb_faults, a_dead_endpoint_is_unavailable_and_the_handle_recovers) {
  auto dir = std::filesystem::temp_directory_path() / ("dropslot-dynalite-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    dynalite_server server(dir.string());
    ASSERT_TRUE(server.running()) << server.error();
    server.export_environment();
    auto d = open_database("dynamodb://faults");
    ASSERT_TRUE(d) << d.error().message();
    auto& db = **d;
    auto a = db.create_customer("A", "a@example.com", t0);
    ASSERT_TRUE(a);
    new_job j;
    j.id = "j";
    j.customer = a->id;
    j.title = "t";
    ASSERT_TRUE(db.create_job(j, t0));
    ASSERT_TRUE(db.allocate_upload(upload_for("j", a->id, std::nullopt), t0));

    server.kill();
    auto down = db.allocate_upload(upload_for("j", a->id, std::nullopt), t0);
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, db_errc::unavailable) << down.error().message();
    auto s = db.lookup_session("whatever", t0);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, db_errc::unavailable);
    EXPECT_EQ(db.ping().error().code, db_errc::unavailable);

    ASSERT_TRUE(server.restart()) << server.error();
    auto after = db.allocate_upload(upload_for("j", a->id, std::nullopt), t0);
    ASSERT_TRUE(after) << after.error().message();
    EXPECT_EQ(after->number, 2);  // the failed call took no number
    EXPECT_EQ((*db.get_job("j", a->id))->photo_count, 2);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dropslot::db::testing
