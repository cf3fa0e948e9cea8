// The authorization matrix: customer A can neither get URLs for, nor list, nor
// update B's job; expired, revoked and forged sessions are refused; a cookie
// without the CSRF proof is refused on a state change.
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "api_fixture.hpp"
#include "dropslot/db/database.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;

std::string upload_json(const std::string& job) {
  json::object b;
  b["job_id"] = job;
  b["content_type"] = "image/jpeg";
  b["size"] = 100;
  return json::serialize(b);
}

header_list with_json(header_list h) {
  h.emplace_back("Content-Type", "application/json");
  return h;
}

TEST_P(api_test, CustomerCannotReachAnotherCustomersJob) {
  DROPSLOT_START();
  std::string a = demo_token();
  std::string b_id = s().admin({"customer", "add", "--name", "Bea", "--email", "bea@example.com"});
  std::string b_job = s().admin({"job", "add", "--customer", b_id, "--title", "B's roof"});
  ASSERT_FALSE(b_job.empty());
  auto b_login = s().login(s().login_code_for(b_id));
  ASSERT_EQ(b_login.status, 200);

  // B sees its own job; A gets 404 on everything about it, like a job that does not exist.
  EXPECT_EQ(http_request("GET", s().api() + "/api/jobs/" + b_job, bearer(b_login.token)).status, 200);
  for (const std::string& job : {b_job, std::string("no-such-job")}) {
    EXPECT_EQ(http_request("GET", s().api() + "/api/jobs/" + job, bearer(a)).status, 404);
    EXPECT_EQ(http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(a)).status, 404);
    EXPECT_EQ(http_request("PATCH", s().api() + "/api/jobs/" + job, with_json(bearer(a)), R"({"notes":"mine now"})").status,
              404);
    auto up = http_request("POST", s().api() + "/api/upload-url", with_json(bearer(a)), upload_json(job));
    EXPECT_EQ(up.status, 404) << up.body;
    EXPECT_EQ(up.json().at("error").at("code").as_string(), "not_found");
  }
  // A's job list does not contain B's job.
  auto jobs = http_request("GET", s().api() + "/api/jobs", bearer(a));
  EXPECT_EQ(jobs.body.find(b_job), std::string::npos);
  // Nothing changed on B's job.
  auto bj = http_request("GET", s().api() + "/api/jobs/" + b_job, bearer(b_login.token)).json();
  EXPECT_EQ(bj.at("job").at("notes").as_string(), "");
  EXPECT_EQ(bj.at("job").at("photo_count").as_int64(), 0);
}

TEST_P(api_test, LoginCodeIsSingleUse) {
  DROPSLOT_START();
  EXPECT_EQ(s().login(s().demo_code()).status, 200);
  auto again = s().login(s().demo_code());
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(s().login("forged-code").status, 401);
}

TEST_P(api_test, ForgedExpiredAndRevokedSessionsAreRefused) {
  DROPSLOT_START();
  std::string good = demo_token();
  std::string job = first_job(good);
  auto jobs_with = [&](const std::string& t) { return http_request("GET", s().api() + "/api/jobs", bearer(t)).status; };
  EXPECT_EQ(jobs_with(good), 200);
  // No credentials at all, a forged token, a malformed header.
  EXPECT_EQ(http_request("GET", s().api() + "/api/jobs").status, 401);
  EXPECT_EQ(jobs_with(std::string(64, 'a')), 401);
  EXPECT_EQ(jobs_with(good.substr(0, 63) + (good.back() == '0' ? "1" : "0")), 401);
  EXPECT_EQ(http_request("GET", s().api() + "/api/jobs", {{"Authorization", "Basic " + good}}).status, 401);

  // Expired: a session created in the past through the same database.
  {
    auto db = db::open_database(s().database_url().empty() ? db::default_database_url(s().data())
                                                           : s().database_url());
    ASSERT_TRUE(db) << db.error().message();
    auto customers = (*db)->list_customers();
    ASSERT_TRUE(customers);
    ASSERT_FALSE(customers->empty());
    auto past = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) -
                std::chrono::hours(48);
    auto old = (*db)->create_session(customers->front().id, past, std::chrono::hours(1));
    ASSERT_TRUE(old);
    EXPECT_EQ(jobs_with(old->token), 401);
  }

  // Revoked by logout: refused at once.
  std::string second = s().login(s().login_code_for(demo_id_)).token;
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(jobs_with(second), 200);
  EXPECT_EQ(http_request("POST", s().api() + "/api/logout", bearer(second)).status, 204);
  EXPECT_EQ(jobs_with(second), 401);
  EXPECT_EQ(upload_url(s(), second, json::parse(upload_json(job))).status, 401);

  // Revoked by `dropslot admin` (another process): refused once serve's short
  // session cache (2 s) has expired.
  s().admin({"sessions", "revoke", "--customer", demo_id_});
  long status = 0;
  for (int i = 0; i < 100 && (status = jobs_with(good)) == 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(status, 401);
}

TEST_P(api_test, CookieAuthNeedsCsrfProofOnStateChanges) {
  DROPSLOT_START({"--upload-burst", "100"});
  auto l = s().login(s().demo_code());
  ASSERT_EQ(l.status, 200);
  ASSERT_FALSE(l.cookie.empty());
  std::string job = first_job(l.token);
  header_list cookie{{"Cookie", "dropslot_session=" + l.cookie}, {"Content-Type", "application/json"}};

  // Reads with the cookie alone are fine.
  EXPECT_EQ(http_request("GET", s().api() + "/api/jobs", cookie).status, 200);
  // A state change with the cookie alone is not.
  auto bare = http_request("POST", s().api() + "/api/upload-url", cookie, upload_json(job));
  EXPECT_EQ(bare.status, 403);
  EXPECT_EQ(bare.json().at("error").at("code").as_string(), "csrf_rejected");
  EXPECT_EQ(http_request("PATCH", s().api() + "/api/jobs/" + job, cookie, R"({"notes":"x"})").status, 403);
  auto evil = cookie;
  evil.emplace_back("Origin", "https://evil.example");
  EXPECT_EQ(http_request("POST", s().api() + "/api/upload-url", evil, upload_json(job)).status, 403);
  // With the header, or from the dashboard's own origin, it is.
  auto xrw = cookie;
  xrw.emplace_back("X-Requested-With", "dropslot");
  EXPECT_EQ(http_request("POST", s().api() + "/api/upload-url", xrw, upload_json(job)).status, 200);
  auto same = cookie;
  same.emplace_back("Origin", s().api());
  EXPECT_EQ(http_request("POST", s().api() + "/api/upload-url", same, upload_json(job)).status, 200);
  // Bearer auth is not attached by browsers on their own: no CSRF proof needed.
  EXPECT_EQ(http_request("POST", s().api() + "/api/upload-url", with_json(bearer(l.token)), upload_json(job)).status, 200);
}

TEST_P(api_test, LoginSetsAStrictHttpOnlyCookie) {
  DROPSLOT_START();
  json::object body;
  body["code"] = s().demo_code();
  auto r = http_request("POST", s().api() + "/api/login", {{"Content-Type", "application/json"}}, json::serialize(body));
  ASSERT_EQ(r.status, 200);
  std::string c = r.header("set-cookie");
  EXPECT_TRUE(c.starts_with("dropslot_session="));
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(c.find("Secure"), std::string::npos);  // plain HTTP here
  EXPECT_EQ(r.json().at("customer").at("email").as_string(), "demo@example.com");
  // The access log never holds the token.
  std::string token(r.json().at("session_token").as_string());
  http_request("GET", s().api() + "/api/jobs", bearer(token));
  EXPECT_EQ(s().output().find(token), std::string::npos);
}

TEST_P(api_test, ABrowserLoginGetsOnlyTheCookie) {
  DROPSLOT_START();
  json::object body;
  body["code"] = s().demo_code();
  // Any Origin: a browser sends one on every POST (this one passes the login CSRF rule
  // by its X-Requested-With header).
  auto r = http_request("POST", s().api() + "/api/login",
                        {{"Content-Type", "application/json"}, {"Origin", "http://127.0.0.1:1"},
                         {"X-Requested-With", "dropslot"}},
                        json::serialize(body));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.header("set-cookie").starts_with("dropslot_session="));
  EXPECT_EQ(r.json().at("customer").at("email").as_string(), "demo@example.com");
  EXPECT_FALSE(r.json().as_object().contains("session_token")) << r.body;
  // The cookie is the session.
  std::string set_cookie = r.header("set-cookie");
  std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_EQ(http_request("GET", s().api() + "/api/jobs", {{"Cookie", cookie}}).status, 200);
}

}  // namespace
}  // namespace dropslot::test
