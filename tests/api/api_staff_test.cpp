// The company's side (issue 21) against a real serve, on SQLite, PostgreSQL and
// DynamoDB (dynalite, the local stand-in for AWS's DynamoDB, one per test process):
//   - staff accounts from `dropslot admin`, a staff login answering role "staff";
//   - the authorization matrix: every staff route with no session, a customer's, a
//     second customer's and a staff session; every customer route with a staff
//     session. Status checked, and that a refusal carries no data (only "error");
//   - the board (order, counts, quote waiting, filters, cursor), quote replies seen by
//     the customer, share links (public view, revoke, expiry, limits), the CSRF rule
//     on staff routes, and the staff_action log lines.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include <unistd.h>

#include "dropslot/db/database.hpp"
#include "dynalite_server.hpp"
#include "serve_fixture.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;

header_list with_json(header_list h) {
  h.emplace_back("Content-Type", "application/json");
  return h;
}

/// serve on the test's backend ("sqlite", "postgres" or "dynamodb").
class staff_test : public ::testing::TestWithParam<std::string> {
 protected:
  void start(std::vector<std::string> extra = {}) {
    if (GetParam() == "postgres") {
      pg_ = std::make_unique<pg_database>();
      if (pg_->url().empty()) GTEST_SKIP() << "DROPSLOT_TEST_PG_URL is not set (scripts/test starts PostgreSQL)";
      serve_ = std::make_unique<serve_process>(pg_->url(), std::move(extra));
    } else if (GetParam() == "dynamodb") {
      auto& dynalite = db::testing::dynalite_server::shared();
      ASSERT_TRUE(dynalite.running()) << dynalite.error();
      dynalite.export_environment();  // serve and admin inherit it
      static int n = 0;
      serve_ = std::make_unique<serve_process>(
          "dynamodb://staff-" + std::to_string(getpid()) + "-" + std::to_string(n++), std::move(extra));
    } else {
      serve_ = std::make_unique<serve_process>("", std::move(extra));
    }
  }
  void TearDown() override {
    serve_.reset();  // stop serve before its database is dropped
    pg_.reset();
  }
  serve_process& s() { return *serve_; }
  std::string database_url() {
    return s().database_url().empty() ? db::default_database_url(s().data()) : s().database_url();
  }

  /// Logs in as the demo customer; returns the session token.
  std::string demo_token() {
    auto l = s().login(s().demo_code());
    EXPECT_EQ(l.status, 200);
    return l.token;
  }
  /// The id of the first job of the session's customer.
  std::string first_job(const std::string& token) {
    auto r = http_request("GET", s().api() + "/api/jobs", bearer(token));
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    return std::string(j.at("jobs").at(0).at("id").as_string());
  }

  /// Adds a staff member with `admin staff add` and logs them in: the token.
  std::string staff_token(const std::string& email = "sam@haulers.example") {
    staff_id_ = s().admin({"staff", "add", "--name", "Sam Staff", "--email", email});
    EXPECT_TRUE(std::regex_match(staff_id_, std::regex("[0-9]+"))) << staff_id_;
    std::string link = s().admin({"login-link", "--staff", staff_id_});
    EXPECT_NE(link.find("/staff/?code="), std::string::npos) << link;
    std::smatch m;
    static const std::regex code_re(R"([?&]code=([0-9a-f]+))");
    if (!std::regex_search(link, m, code_re)) return {};
    auto r = http_request("POST", s().api() + "/api/login", {{"Content-Type", "application/json"}},
                          json::serialize(json::object{{"code", m[1].str()}}));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    auto j = r.json().as_object();
    EXPECT_EQ(j.at("role").as_string(), "staff");
    EXPECT_EQ(j.at("staff").at("email").as_string(), email);
    EXPECT_FALSE(j.contains("customer"));
    return std::string(j.at("session_token").as_string());
  }

  reply staff_call(const std::string& token, const std::string& method, const std::string& path,
                   const std::string& body = {}) {
    return http_request(method, s().api() + "/api" + path, with_json(bearer(token)), body);
  }

  std::string staff_id_;
  std::unique_ptr<pg_database> pg_;
  std::unique_ptr<serve_process> serve_;
};

#define DROPSLOT_START(...)                         \
  do {                                              \
    start(__VA_ARGS__);                             \
    if (IsSkipped() || HasFatalFailure()) return;   \
  } while (0)

/// serve's output once it holds `needle` (its log lines arrive through a pipe, after
/// the answer), or as it is after 5 s.
std::string output_with(serve_process& s, const std::string& needle) {
  std::string out = s.output();
  for (int i = 0; i < 50 && out.find(needle) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    out = s.output();
  }
  return out;
}

/// A refusal is an error object and nothing else: no job, customer, photo or URL.
void expect_refusal_without_data(const reply& r, const std::string& secret) {
  auto j = r.json();
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j.as_object().size(), 1u) << r.body;
  EXPECT_TRUE(j.as_object().contains("error")) << r.body;
  EXPECT_EQ(r.body.find(secret), std::string::npos) << r.body;
}

TEST_P(staff_test, StaffLoginSaysStaffAndCustomerLoginSaysCustomer) {
  DROPSLOT_START();
  EXPECT_FALSE(staff_token().empty());
  json::object body{{"code", s().demo_code()}};
  auto r = http_request("POST", s().api() + "/api/login", {{"Content-Type", "application/json"}}, json::serialize(body));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("role").as_string(), "customer");
  // admin staff list shows the account; a second one with the same email is refused.
  EXPECT_NE(s().admin({"staff", "list"}).find("sam@haulers.example"), std::string::npos);
  EXPECT_THROW(s().admin({"staff", "add", "--name", "Again", "--email", "sam@haulers.example"}), std::runtime_error);
}

TEST_P(staff_test, AuthorizationMatrix) {
  DROPSLOT_START({"--upload-burst", "100"});
  std::string staff = staff_token();
  std::string a = demo_token();
  std::string b_id = s().admin({"customer", "add", "--name", "Bea", "--email", "bea@example.com"});
  const std::string secret = "Secret-attic-clearout";
  std::string b_job = s().admin({"job", "add", "--customer", b_id, "--title", secret, "--id", "b-job"});
  ASSERT_EQ(b_job, "b-job");
  std::string b = s().login(s().login_code_for(b_id)).token;
  ASSERT_FALSE(b.empty());
  // B's quote request, so the reply route has a real quote to aim at.
  auto q = http_request("POST", s().api() + "/api/quotes", with_json(bearer(b)),
                        json::serialize(json::object{{"job_id", b_job}, {"description", secret}}));
  ASSERT_EQ(q.status, 201) << q.body;
  std::string quote_id = std::to_string(q.json().at("quote").at("id").as_int64());
  auto made = staff_call(staff, "POST", "/staff/jobs/" + b_job + "/share", "{}");
  ASSERT_EQ(made.status, 201) << made.body;
  std::string share_id(made.json().at("share_id").as_string());

  struct route {
    std::string method, path, body;
    long staff_status;
  };
  // Every staff route of the table, each aimed at B's data. The share revoke is last:
  // it spends the share.
  std::vector<route> routes{
      {"GET", "/staff/jobs", "", 200},
      {"GET", "/staff/jobs?needs_quote=1&q=attic", "", 200},
      {"GET", "/staff/jobs/" + b_job, "", 200},
      {"PATCH", "/staff/jobs/" + b_job, R"({"status":"quoted"})", 200},
      {"GET", "/staff/jobs/" + b_job + "/photos", "", 200},
      {"POST", "/staff/jobs/" + b_job + "/share", R"({"expires_in":3600})", 201},
      {"POST", "/staff/customers", R"({"name":"Cy","email":"cy@example.com"})", 201},
      {"POST", "/staff/jobs", json::serialize(json::object{{"customer_id", std::stoll(b_id)}, {"title", "Shed"}}), 201},
      {"POST", "/staff/customers/" + b_id + "/login-link", "{}", 201},
      {"POST", "/staff/quotes/" + quote_id + "/reply",
       R"({"price_low_cents":10000,"price_high_cents":15000,"currency":"USD","message":"Two hours"})", 200},
      {"DELETE", "/staff/shares/" + share_id, "", 204},
  };
  std::set<std::string> covered;
  for (const auto& r : routes) {
    SCOPED_TRACE(r.method + " " + r.path);
    std::string url = s().api() + "/api" + r.path;
    auto none = http_request(r.method, url, {{"Content-Type", "application/json"}}, r.body);
    EXPECT_EQ(none.status, 401);
    expect_refusal_without_data(none, secret);
    for (const std::string* customer : {&a, &b}) {
      auto res = http_request(r.method, url, with_json(bearer(*customer)), r.body);
      EXPECT_EQ(res.status, 403);
      expect_refusal_without_data(res, secret);
    }
    auto ok = http_request(r.method, url, with_json(bearer(staff)), r.body);
    EXPECT_EQ(ok.status, r.staff_status) << ok.body;
    covered.insert(r.method + " " + r.path.substr(0, r.path.find('?')));
  }
  // Staff on every customer route: 403, and nothing of any customer's.
  std::vector<route> customer_routes{
      {"GET", "/jobs", "", 0},
      {"GET", "/jobs/" + b_job, "", 0},
      {"PATCH", "/jobs/" + b_job, R"({"notes":"x"})", 0},
      {"GET", "/jobs/" + b_job + "/photos", "", 0},
      {"DELETE", "/jobs/" + b_job + "/photos/photo-001.jpg", "", 0},
      {"POST", "/upload-url", json::serialize(json::object{{"job_id", b_job}, {"content_type", "image/jpeg"}, {"size", 100}}), 0},
      {"POST", "/quotes", R"({"description":"x"})", 0},
      {"GET", "/quotes", "", 0},
  };
  for (const auto& r : customer_routes) {
    SCOPED_TRACE("staff on " + r.method + " " + r.path);
    auto res = http_request(r.method, s().api() + "/api" + r.path, with_json(bearer(staff)), r.body);
    EXPECT_EQ(res.status, 403);
    expect_refusal_without_data(res, secret);
    EXPECT_EQ(res.json().at("error").at("code").as_string(), "forbidden");
  }
  // The matrix covers every staff route of the table (tests/lambda's template test
  // keeps the table and the deployed routes equal).
  EXPECT_EQ(covered.size(), 10u);
}

TEST_P(staff_test, BoardOrdersFiltersAndPages) {
  DROPSLOT_START({"--upload-burst", "200"});
  std::string staff = staff_token();
  auto c = staff_call(staff, "POST", "/staff/customers", R"({"name":"Ola Nordmann","email":"ola@example.com"})");
  ASSERT_EQ(c.status, 201) << c.body;
  auto cust_id = c.json().at("customer").at("id").as_int64();
  // 55 jobs, more than a page (50), made an hour ago through the same database (so
  // that what happens now is the latest activity whatever the clock's second), and
  // one through the API ("a-loft": within the same second it sorts after g-100).
  {
    auto db = db::open_database(database_url());
    ASSERT_TRUE(db) << db.error().message();
    auto hour_ago = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) -
                    std::chrono::hours(1);
    for (int i = 0; i < 55; ++i) {
      db::new_job nj;
      nj.id = "g-" + std::to_string(100 + i);
      nj.customer = cust_id;
      nj.title = "Garage " + std::to_string(i);
      ASSERT_TRUE((*db)->create_job(nj, hour_ago + std::chrono::seconds(i)));
    }
  }
  auto via_api = staff_call(staff, "POST", "/staff/jobs",
                            json::serialize(json::object{{"customer_id", cust_id}, {"title", "Loft"}, {"id", "a-loft"}}));
  ASSERT_EQ(via_api.status, 201) << via_api.body;
  EXPECT_EQ(via_api.json().at("job").at("title").as_string(), "Loft");
  auto link = staff_call(staff, "POST", "/staff/customers/" + std::to_string(cust_id) + "/login-link", "{}");
  ASSERT_EQ(link.status, 201) << link.body;
  std::string url(link.json().at("url").as_string());
  std::string code = url.substr(url.find("code=") + 5);
  auto ola = s().login(code);
  ASSERT_EQ(ola.status, 200);

  // The customer's upload makes g-100 the latest activity, though it was made first.
  auto up = upload_url(s(), ola.token, json::object{{"job_id", "g-100"}, {"content_type", "image/jpeg"}, {"size", 100}});
  ASSERT_EQ(up.status, 200) << up.body;
  auto quote = http_request("POST", s().api() + "/api/quotes", with_json(bearer(ola.token)),
                            R"({"job_id":"g-100","description":"How much for the lot?"})");
  ASSERT_EQ(quote.status, 201);
  auto quote_id = quote.json().at("quote").at("id").as_int64();

  auto page1 = staff_call(staff, "GET", "/staff/jobs");
  ASSERT_EQ(page1.status, 200) << page1.body;
  auto jobs = page1.json().at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 50u);
  EXPECT_EQ(jobs[0].at("id").as_string(), "g-100");
  EXPECT_EQ(jobs[0].at("photo_count").as_int64(), 1);
  EXPECT_TRUE(jobs[0].at("last_upload_at").is_string());
  EXPECT_TRUE(jobs[0].at("quote_waiting").as_bool());
  EXPECT_EQ(jobs[0].at("customer").at("name").as_string(), "Ola Nordmann");
  // No received photo yet: every required shot of the default list (issue 22).
  EXPECT_EQ(jobs[0].at("missing_shots"), json::parse(R"(["wide","closeup","access"])"));
  EXPECT_TRUE(jobs[1].at("last_upload_at").is_null());
  // The newest photo's thumbnail URL, for the board's image; none without a photo.
  EXPECT_NE(std::string(jobs[0].at("thumb_url").as_string()).find("/jobs/g-100/thumbs/photo-001.jpg"),
            std::string::npos);
  EXPECT_FALSE(jobs[1].as_object().contains("thumb_url"));
  // The next page continues where the first ended: every job exactly once.
  ASSERT_TRUE(page1.json().at("next_cursor").is_string());
  std::string cursor(page1.json().at("next_cursor").as_string());
  auto page2 = staff_call(staff, "GET", "/staff/jobs?cursor=" + cursor);
  ASSERT_EQ(page2.status, 200) << page2.body;
  std::set<std::string> seen;
  for (const auto& j : jobs) seen.insert(std::string(j.at("id").as_string()));
  auto page2_json = page2.json();
  for (const auto& j : page2_json.at("jobs").as_array()) seen.insert(std::string(j.at("id").as_string()));
  EXPECT_GE(seen.size(), 57u);  // 55 + loft + the demo's jobs
  EXPECT_TRUE(page2.json().at("next_cursor").is_null());
  EXPECT_EQ(staff_call(staff, "GET", "/staff/jobs?cursor=nonsense").status, 400);

  // Filters: needs a quote; free text over title, customer name and id.
  auto waiting = staff_call(staff, "GET", "/staff/jobs?needs_quote=1").json().at("jobs").as_array();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].at("id").as_string(), "g-100");
  EXPECT_EQ(staff_call(staff, "GET", "/staff/jobs?q=GARAGE%2012").json().at("jobs").as_array().size(), 1u);
  EXPECT_EQ(staff_call(staff, "GET", "/staff/jobs?q=nordmann").json().at("jobs").as_array().size(), 50u);
  EXPECT_EQ(staff_call(staff, "GET", "/staff/jobs?q=g-154").json().at("jobs").as_array().size(), 1u);
  EXPECT_EQ(staff_call(staff, "GET", "/staff/jobs?q=no-such-thing").json().at("jobs").as_array().size(), 0u);

  // The reply answers the quote: off "needs a quote", shown to the customer.
  auto rep = staff_call(staff, "POST", "/staff/quotes/" + std::to_string(quote_id) + "/reply",
                        R"({"price_low_cents":20000,"price_high_cents":26000,"currency":"EUR","message":"One truck"})");
  ASSERT_EQ(rep.status, 200) << rep.body;
  EXPECT_TRUE(staff_call(staff, "GET", "/staff/jobs?needs_quote=1").json().at("jobs").as_array().empty());
  auto mine = http_request("GET", s().api() + "/api/quotes", bearer(ola.token));
  ASSERT_EQ(mine.status, 200);
  auto reply_json = mine.json().at("quotes").at(0).at("reply");
  EXPECT_EQ(reply_json.at("price_high_cents").as_int64(), 26000);
  EXPECT_EQ(reply_json.at("currency").as_string(), "EUR");
  EXPECT_TRUE(reply_json.at("replied_at").is_string());
  // The staff view of the job has the quote and its reply.
  auto job = staff_call(staff, "GET", "/staff/jobs/g-100");
  ASSERT_EQ(job.status, 200);
  EXPECT_EQ(job.json().at("customer").at("email").as_string(), "ola@example.com");
  EXPECT_EQ(job.json().at("quotes").at(0).at("reply").at("message").as_string(), "One truck");
  // Bad replies.
  EXPECT_EQ(staff_call(staff, "POST", "/staff/quotes/999999/reply",
                       R"({"price_low_cents":1,"price_high_cents":2,"currency":"USD","message":""})").status, 404);
  EXPECT_EQ(staff_call(staff, "POST", "/staff/quotes/" + std::to_string(quote_id) + "/reply",
                       R"({"price_low_cents":5,"price_high_cents":2,"currency":"USD","message":""})").status, 400);
  EXPECT_EQ(staff_call(staff, "POST", "/staff/quotes/" + std::to_string(quote_id) + "/reply",
                       R"({"price_low_cents":1,"price_high_cents":2,"currency":"usd","message":""})").status, 400);
  // Every change above is in the log with the staff id.
  std::string out = output_with(s(), R"("action":"quote.reply")");
  EXPECT_NE(out.find(R"("type":"staff_action","staff_id":)" + staff_id_ + R"(,"action":"quote.reply")"),
            std::string::npos);
  EXPECT_NE(out.find(R"("action":"job.create","object":"a-loft")"), std::string::npos);
  EXPECT_EQ(out.find(staff), std::string::npos);  // never the token
}

TEST_P(staff_test, ShareLinksShowTheGalleryUntilRevokedOrExpired) {
  DROPSLOT_START();
  std::string staff = staff_token();
  std::string a = demo_token();
  std::string job = first_job(a);
  // One real photo in the bucket.
  auto grant = upload_url(s(), a, json::object{{"job_id", job}, {"content_type", "image/jpeg"},
                                               {"size", static_cast<std::int64_t>(sample_jpeg().size())}});
  ASSERT_EQ(grant.status, 200) << grant.body;
  header_list h;
  auto grant_json = grant.json();
  for (const auto& kv : grant_json.at("headers").as_object())
    h.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  ASSERT_EQ(http_request("PUT", std::string(grant_json.at("url").as_string()), h, sample_jpeg()).status, 200);

  EXPECT_EQ(staff_call(staff, "POST", "/staff/jobs/" + job + "/share", R"({"expires_in":2592001})").status, 400);
  EXPECT_EQ(staff_call(staff, "POST", "/staff/jobs/no-such-job/share", "{}").status, 404);
  auto made = staff_call(staff, "POST", "/staff/jobs/" + job + "/share", "");
  ASSERT_EQ(made.status, 201) << made.body;
  auto m = made.json().as_object();
  std::string token(m.at("token").as_string());
  EXPECT_EQ(token.size(), 64u);  // 256 bits
  EXPECT_NE(std::string(m.at("url").as_string()).find("#" + token), std::string::npos);
  // Default lifetime: 7 days.
  auto photos_before = staff_call(staff, "GET", "/staff/jobs/" + job + "/photos");
  ASSERT_EQ(photos_before.status, 200);
  EXPECT_EQ(photos_before.json().at("photos").as_array().size(), 1u);

  // Logged out: the gallery, with GET URLs of at most 15 minutes that work.
  auto view = http_request("GET", s().api() + "/api/shared/" + token);
  ASSERT_EQ(view.status, 200) << view.body;
  auto photos = view.json().at("photos").as_array();
  ASSERT_EQ(photos.size(), 1u);
  std::string photo_url(photos[0].at("url").as_string());
  std::smatch e;
  ASSERT_TRUE(std::regex_search(photo_url, e, std::regex("X-Amz-Expires=([0-9]+)")));
  EXPECT_LE(std::stoi(e[1]), 900);
  EXPECT_EQ(http_request("GET", photo_url).body, sample_jpeg());
  EXPECT_FALSE(view.json().at("photos").at(0).as_object().contains("key"));  // read only, nothing more
  std::string view_line = R"("type":"share_view","share_id":")" + std::string(m.at("share_id").as_string());
  EXPECT_NE(output_with(s(), view_line).find(view_line), std::string::npos);
  // The token is a bearer secret: the access log has the route, never the token.
  std::string out = output_with(s(), R"("path":"/api/shared/-")");
  EXPECT_NE(out.find(R"("path":"/api/shared/-")"), std::string::npos);
  EXPECT_EQ(out.find(token), std::string::npos);

  // Revoked: 404 at once, and a second revoke is 404 too.
  std::string share_id(m.at("share_id").as_string());
  EXPECT_EQ(staff_call(staff, "DELETE", "/staff/shares/" + share_id).status, 204);
  EXPECT_EQ(http_request("GET", s().api() + "/api/shared/" + token).status, 404);
  EXPECT_EQ(staff_call(staff, "DELETE", "/staff/shares/" + share_id).status, 404);
  EXPECT_EQ(http_request("GET", s().api() + "/api/shared/" + std::string(64, 'a')).status, 404);
  EXPECT_EQ(http_request("GET", s().api() + "/api/shared/not-a-token").status, 404);

  // Expired: a link made two days ago for one day, through the same database.
  auto db = db::open_database(database_url());
  ASSERT_TRUE(db) << db.error().message();
  auto past = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) -
              std::chrono::hours(48);
  auto old = (*db)->staff()->create_share(job, std::stoll(staff_id_), past, std::chrono::hours(24));
  ASSERT_TRUE(old);
  EXPECT_EQ(http_request("GET", s().api() + "/api/shared/" + old->token).status, 404);
}

TEST_P(staff_test, StaffCookieNeedsCsrfProofAndLogoutEndsTheStaffSession) {
  DROPSLOT_START();
  std::string staff = staff_token();
  header_list cookie{{"Cookie", "dropslot_session=" + staff}, {"Content-Type", "application/json"}};
  EXPECT_EQ(http_request("GET", s().api() + "/api/staff/jobs", cookie).status, 200);
  auto bare = http_request("POST", s().api() + "/api/staff/customers", cookie, R"({"name":"X","email":"x@example.com"})");
  EXPECT_EQ(bare.status, 403);
  EXPECT_EQ(bare.json().at("error").at("code").as_string(), "csrf_rejected");
  auto xrw = cookie;
  xrw.emplace_back("X-Requested-With", "dropslot");
  EXPECT_EQ(http_request("POST", s().api() + "/api/staff/customers", xrw, R"({"name":"X","email":"x@example.com"})").status,
            201);
  EXPECT_EQ(http_request("POST", s().api() + "/api/logout", bearer(staff)).status, 204);
  EXPECT_EQ(http_request("GET", s().api() + "/api/staff/jobs", bearer(staff)).status, 401);
  // admin staff remove: the account goes, its sessions with it.
  std::string again = staff_token("sam2@haulers.example");
  EXPECT_EQ(http_request("GET", s().api() + "/api/staff/jobs", bearer(again)).status, 200);
  s().admin({"staff", "remove", "--id", staff_id_});
  EXPECT_EQ(http_request("GET", s().api() + "/api/staff/jobs", bearer(again)).status, 401);
}

// Shots and receipts on the company's side (issue 22): the board's missing_shots
// follow received photos and the job's own list, which staff set with PATCH; the
// staff photo listing carries shot, caption, state and received_at.
TEST_P(staff_test, BoardMissingShotsFollowReceivedPhotosAndTheJobsOwnList) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string staff = staff_token();
  auto missing = [&]() -> json::value {
    auto r = staff_call(staff, "GET", "/staff/jobs");
    EXPECT_EQ(r.status, 200) << r.body;
    const json::value doc = r.json();
    for (const auto& j : doc.at("jobs").as_array())
      if (j.at("id").as_string() == job) return j.at("missing_shots");
    return nullptr;
  };
  EXPECT_EQ(missing(), json::parse(R"(["wide","closeup","access"])"));
  auto set = staff_call(staff, "PATCH", "/staff/jobs/" + job, R"({"shots":[{"id":"roof","label":"The roof","required":true}]})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(missing(), json::parse(R"(["roof"])"));
  // The staff job page reads the job's own list from its one lookup.
  auto page = staff_call(staff, "GET", "/staff/jobs/" + job);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.json().at("job").at("missing_shots"), json::parse(R"(["roof"])"));
  EXPECT_EQ(staff_call(staff, "PATCH", "/staff/jobs/" + job, R"({"shots":[{"id":"Roof","label":""}]})").status, 400);

  const std::string jpeg = sample_jpeg();
  auto grant = upload_url(s(), token, json::object{{"job_id", job}, {"content_type", "image/jpeg"}, {"size", jpeg.size()},
                                                   {"shot", "roof"}, {"caption", "From the street"}});
  ASSERT_EQ(grant.status, 200) << grant.body;
  auto g = grant.json();
  header_list h;
  for (const auto& kv : g.at("headers").as_object())
    h.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  ASSERT_EQ(http_request("PUT", std::string(g.at("url").as_string()), h, jpeg).status, 200);
  std::string key(g.at("key").as_string());
  auto done = http_request("POST", s().api() + "/api/jobs/" + job + "/photos/" + key.substr(key.rfind('/') + 1) + "/complete",
                           bearer(token));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(missing(), json::parse("[]"));

  auto photos = staff_call(staff, "GET", "/staff/jobs/" + job + "/photos");
  ASSERT_EQ(photos.status, 200) << photos.body;
  const json::value doc = photos.json();
  const auto& list = doc.at("photos").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("shot").as_string(), "roof");
  EXPECT_EQ(list[0].at("caption").as_string(), "From the street");
  EXPECT_EQ(list[0].at("state").as_string(), "received");
  EXPECT_TRUE(list[0].at("received_at").is_string());

  // null: back to the operator's default list.
  ASSERT_EQ(staff_call(staff, "PATCH", "/staff/jobs/" + job, R"({"shots":null})").status, 200);
  EXPECT_EQ(missing(), json::parse(R"(["wide","closeup","access"])"));
}

INSTANTIATE_TEST_SUITE_P(backends, staff_test, ::testing::Values("sqlite", "postgres", "dynamodb"),
                         [](const auto& i) { return i.param; });

}  // namespace
}  // namespace dropslot::test
