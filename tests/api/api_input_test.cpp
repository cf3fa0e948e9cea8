// Bad input gets a clear 4xx and writes nothing: malformed JSON, huge bodies, bad
// job ids, wrong types, disallowed types and sizes.
#include <boost/json.hpp>

#include "api_fixture.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;

TEST_P(api_test, BadInputIsRefusedAndNothingIsWritten) {
  DROPSLOT_START({"--upload-burst", "1000"});
  std::string token = demo_token();
  std::string job = first_job(token);
  auto h = bearer(token);
  h.emplace_back("Content-Type", "application/json");
  auto post = [&](const std::string& body) { return http_request("POST", s().api() + "/api/upload-url", h, body); };
  auto code_of = [](const reply& r) -> std::string {
    auto v = r.json();
    if (!v.is_object() || !v.as_object().contains("error")) return "<no error body>";
    return std::string(v.at("error").at("code").as_string());
  };
  auto body = [&](json::object o) { return json::serialize(o); };
  auto valid = [&] {
    json::object o;
    o["job_id"] = job;
    o["content_type"] = "image/jpeg";
    o["size"] = 100;
    return o;
  };

  struct bad_case {
    std::string name, body;
    long status;
    std::string code;
  };
  std::vector<bad_case> cases{
      {"malformed json", "{\"job_id\": ", 400, "malformed_json"},
      {"not an object", "[1,2]", 400, "malformed_json"},
      {"empty body", "", 400, "malformed_json"},
      {"invalid utf-8", "{\"job_id\": \"\xff\"}", 400, "malformed_json"},
  };
  auto with = [&](const char* field, json::value v) {
    auto o = valid();
    o[field] = std::move(v);
    return body(o);
  };
  auto without = [&](const char* field) {
    auto o = valid();
    o.erase(field);
    return body(o);
  };
  cases.push_back({"dot-dot id", with("job_id", "../etc"), 400, "invalid_field"});
  cases.push_back({"slash id", with("job_id", json::string(job + "/../x")), 400, "invalid_field"});
  cases.push_back({"unicode id", with("job_id", "caf\xc3\xa9"), 400, "invalid_field"});
  cases.push_back({"65-char id", with("job_id", json::string(std::string(65, 'a'))), 400, "invalid_field"});
  cases.push_back({"empty id", with("job_id", ""), 400, "invalid_field"});
  cases.push_back({"number id", with("job_id", 5), 400, "invalid_field"});
  cases.push_back({"missing id", without("job_id"), 400, "invalid_field"});
  cases.push_back({"size as string", with("size", "100"), 400, "invalid_field"});
  cases.push_back({"negative size", with("size", -1), 400, "invalid_field"});
  cases.push_back({"fractional size", with("size", 1.5), 400, "invalid_field"});
  cases.push_back({"zero size", with("size", 0), 400, "invalid_field"});
  cases.push_back({"missing size", without("size"), 400, "invalid_field"});
  cases.push_back({"type as number", with("content_type", 7), 400, "invalid_field"});
  cases.push_back({"gif", with("content_type", "image/gif"), 415, "unsupported_media_type"});
  cases.push_back({"html", with("content_type", "text/html"), 415, "unsupported_media_type"});
  cases.push_back({"too big", with("size", 25 * 1024 * 1024 + 1), 413, "payload_too_large"});
  cases.push_back({"bad checksum", with("checksum_sha256", "abc"), 400, "invalid_field"});
  cases.push_back({"filename object", with("filename", json::object{}), 400, "invalid_field"});

  for (const auto& c : cases) {
    auto r = post(c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_EQ(code_of(r), c.code) << c.name;
    EXPECT_EQ(r.body.find("exception"), std::string::npos) << c.name;
  }

  // A huge body is refused before it is read.
  auto huge = post("{\"job_id\":\"" + std::string(2 * 1024 * 1024, 'a') + "\"}");
  EXPECT_EQ(huge.status, 413) << huge.body.substr(0, 200);

  // Bad ids in the path.
  for (const std::string& id : {std::string("..%2F..%2Fetc"), std::string("%2e%2e"), std::string(65, 'b'),
                                std::string("caf%C3%A9")}) {
    auto r = http_request("GET", s().api() + "/api/jobs/" + id + "/photos", bearer(token));
    EXPECT_EQ(r.status, 400) << id << ": " << r.body;
  }
  // PATCH: only the customer's own fields, with the right types.
  auto ph = h;
  EXPECT_EQ(http_request("PATCH", s().api() + "/api/jobs/" + job, ph, R"({"title":"pwned"})").status, 400);
  EXPECT_EQ(http_request("PATCH", s().api() + "/api/jobs/" + job, ph, R"({"notes":5})").status, 400);
  EXPECT_EQ(http_request("PATCH", s().api() + "/api/jobs/" + job, ph, "{nope").status, 400);
  // Unknown routes and methods.
  EXPECT_EQ(http_request("GET", s().api() + "/api/nope", bearer(token)).status, 404);
  EXPECT_EQ(http_request("DELETE", s().api() + "/api/jobs/" + job, bearer(token)).status, 405);
  // With a body, the same answers, not 413 (issue 25: POST /api/uploads answered 413).
  EXPECT_EQ(http_request("POST", s().api() + "/api/uploads", h, R"({"x":1})").status, 404);
  EXPECT_EQ(http_request("POST", s().api() + "/api/nope", h, "body").status, 404);
  EXPECT_EQ(http_request("DELETE", s().api() + "/api/jobs/" + job, h, R"({"x":1})").status, 405);

  // Nothing was written: no key was allocated and no object exists.
  auto j = http_request("GET", s().api() + "/api/jobs/" + job, bearer(token)).json();
  EXPECT_EQ(j.at("job").at("photo_count").as_int64(), 0);
  EXPECT_EQ(j.at("job").at("notes").as_string(), "");
  auto first = post(body(valid()));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json().at("key").as_string(), "jobs/" + job + "/photo-001.jpg");
  auto photos = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token));
  EXPECT_EQ(photos.json().at("photos").as_array().size(), 0u);
}

TEST_P(api_test, JobsAndQuotes) {
  DROPSLOT_START();
  std::string token = demo_token();
  auto h = bearer(token);
  h.emplace_back("Content-Type", "application/json");
  auto jobs = http_request("GET", s().api() + "/api/jobs", bearer(token));
  ASSERT_EQ(jobs.status, 200);
  EXPECT_EQ(jobs.json().at("jobs").as_array().size(), 3u);  // the demo seed
  std::string job = first_job(token);

  auto patched = http_request("PATCH", s().api() + "/api/jobs/" + job, h,
                              R"({"notes":"Dog in the yard","access_instructions":"Gate code 1234"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().at("job").at("notes").as_string(), "Dog in the yard");
  auto got = http_request("GET", s().api() + "/api/jobs/" + job, bearer(token)).json();
  EXPECT_EQ(got.at("job").at("access_instructions").as_string(), "Gate code 1234");

  auto q = http_request("POST", s().api() + "/api/quotes", h,
                        json::serialize(json::object{{"job_id", job}, {"description", "New gutters"},
                                                     {"preferred_date", "2026-12-01"}}));
  ASSERT_EQ(q.status, 201) << q.body;
  EXPECT_EQ(http_request("POST", s().api() + "/api/quotes", h, R"({"description":""})").status, 400);
  EXPECT_EQ(http_request("POST", s().api() + "/api/quotes", h, R"({"description":"x","preferred_date":"soon"})").status,
            400);
  EXPECT_EQ(http_request("POST", s().api() + "/api/quotes", h, R"({"description":"x","job_id":"nope"})").status, 404);
  auto list = http_request("GET", s().api() + "/api/quotes", bearer(token));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json().at("quotes").as_array().size(), 1u);
  EXPECT_EQ(list.json().at("quotes").at(0).at("description").as_string(), "New gutters");
}

TEST_P(api_test, CorsOnlyForTheDashboardOrigin) {
  DROPSLOT_START();
  auto pre = http_request("OPTIONS", s().api() + "/api/upload-url",
                          {{"Origin", s().api()}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), s().api());
  EXPECT_EQ(pre.header("access-control-allow-methods"), "POST");
  auto evil = http_request("OPTIONS", s().api() + "/api/upload-url",
                           {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(evil.header("access-control-allow-origin"), "");
  EXPECT_EQ(http_request("OPTIONS", s().api() + "/api/nope").status, 404);
  auto jobs = http_request("OPTIONS", s().api() + "/api/jobs/J1", {{"Origin", s().api()}});
  EXPECT_EQ(jobs.header("access-control-allow-methods"), "GET, PATCH");
}

TEST_P(api_test, DashboardPagesCarryTheSecurityHeaders) {
  DROPSLOT_START();
  auto page = http_request("GET", s().api() + "/");
  EXPECT_EQ(page.status, 200);
  std::string csp = page.header("content-security-policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self' " + s().s3()), std::string::npos) << csp;
  EXPECT_NE(csp.find("img-src 'self' " + s().s3()), std::string::npos) << csp;
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.header("referrer-policy"), "no-referrer");
}

}  // namespace
}  // namespace dropslot::test
