// The AWS SigV4 test suite (aws-c-auth copy, ../shared/testdata/sigv4/v4): every
// stage compared byte for byte, for header and query signing, under generic rules
// (double encoding, normalize from context.json) and under S3 rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/util/codec.hpp>

#include "test_files.hpp"

namespace dropslot::sigv4 {
namespace {

namespace fs = std::filesystem;
using testing::read_file;

struct parsed_request {
  std::string method;
  std::string path;
  std::string query;
  std::vector<header> headers;
  std::string body;
};

// request.txt: "METHOD target HTTP/1.1", header lines (a line starting with
// whitespace continues the previous value), a blank line, the body.
parsed_request parse_request(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  parsed_request r;
  std::size_t eol = text.find('\n');
  std::string first = text.substr(0, eol);
  std::size_t sp1 = first.find(' ');
  std::size_t sp2 = first.rfind(" HTTP/");
  r.method = first.substr(0, sp1);
  std::string target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  std::size_t pos = eol + 1;
  while (pos < text.size()) {
    std::size_t e = text.find('\n', pos);
    if (e == std::string::npos) e = text.size();
    std::string line = text.substr(pos, e - pos);
    pos = e + 1;
    if (line.empty()) {
      r.body = pos < text.size() ? text.substr(pos) : "";
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      r.headers.back().value += ' ' + line;  // obs-fold: the canonical form collapses the run
      continue;
    }
    std::size_t colon = line.find(':');
    r.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  return r;
}

std::chrono::sys_seconds parse_iso(std::string_view s) {
  // "2015-08-30T12:36:00Z"
  std::string compact;
  for (char c : s)
    if (c != '-' && c != ':') compact += c;
  auto t = parse_amz_date(compact);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(std::chrono::sys_seconds{});
}

struct vector_case {
  std::string name;
  uri_rules rules;
  // For S3 rules, the case whose expected files apply (the -unnormalized twin).
  std::string expected_case;
};

std::ostream& operator<<(std::ostream& os, const vector_case& c) {
  return os << c.name << (c.rules == uri_rules::s3 ? "/s3" : "/generic");
}

fs::path suite_dir() { return testing::shared_dir() / "sigv4" / "v4"; }

std::vector<vector_case> all_cases() {
  std::vector<vector_case> out;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(suite_dir()))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) out.push_back({n, uri_rules::generic, n});
  for (const auto& n : names) {
    std::string expected = n;
    // S3 never normalizes: the -normalized member must give the -unnormalized result.
    const std::string suffix = "-normalized";
    if (n.ends_with(suffix)) {
      std::string twin = n.substr(0, n.size() - suffix.size()) + "-unnormalized";
      if (fs::exists(suite_dir() / twin)) expected = twin;
    }
    out.push_back({n, uri_rules::s3, expected});
  }
  return out;
}

struct loaded {
  signing_request req;
  parsed_request raw;
  bool sign_body = false;
  std::string dir, expected_dir;
};

loaded load(const vector_case& c) {
  loaded l;
  l.dir = (suite_dir() / c.name).string();
  l.expected_dir = (suite_dir() / c.expected_case).string();
  auto ctx = boost::json::parse(read_file(fs::path(l.dir) / "context.json")).as_object();
  l.raw = parse_request(read_file(fs::path(l.dir) / "request.txt"));
  auto& creds = ctx.at("credentials").as_object();
  signing_request& r = l.req;
  r.method = l.raw.method;
  r.path = l.raw.path;
  r.query = parse_query(l.raw.query);
  r.headers = l.raw.headers;
  r.region = std::string(ctx.at("region").as_string());
  r.service = std::string(ctx.at("service").as_string());
  r.credentials.access_key = access_key_id(std::string(creds.at("access_key_id").as_string()));
  r.credentials.secret = secret_access_key(std::string(creds.at("secret_access_key").as_string()));
  if (auto* t = creds.if_contains("token")) r.credentials.token = session_token(std::string(t->as_string()));
  r.time = parse_iso(ctx.at("timestamp").as_string());
  r.expires = std::chrono::seconds(ctx.at("expiration_in_seconds").as_int64());
  r.rules = c.rules;
  r.normalize = ctx.at("normalize").as_bool();
  l.sign_body = ctx.at("sign_body").as_bool();
  r.payload_hash = l.sign_body ? sha256_hex(l.raw.body) : std::string(empty_payload_hash);
  r.add_content_sha256 = l.sign_body;
  if (auto* o = ctx.if_contains("omit_session_token")) r.sign_session_token = !o->as_bool();
  return l;
}

std::string expected(const loaded& l, const char* file) { return read_file(fs::path(l.expected_dir) / file); }

class sigv4_suite : public ::testing::TestWithParam<vector_case> {};

TEST_P(sigv4_suite, header_signing_stages) {
  loaded l = load(GetParam());
  const signing_request& r = l.req;

  // Stage by stage, with the headers the signer adds put in by hand.
  signing_request with_added = r;
  with_added.headers.push_back({"X-Amz-Date", amz_date(r.time)});
  if (l.sign_body) with_added.headers.push_back({"x-amz-content-sha256", r.payload_hash});
  if (r.credentials.token && r.sign_session_token)
    with_added.headers.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});
  const std::string creq = canonical_request(with_added);
  EXPECT_EQ(creq, expected(l, "header-canonical-request.txt"));
  const std::string sts = string_to_sign(r.time, credential_scope(r.time, r.region, r.service), creq);
  EXPECT_EQ(sts, expected(l, "header-string-to-sign.txt"));
  const auto key = derive_signing_key(r.credentials.secret, amz_date(r.time).substr(0, 8), r.region, r.service);
  EXPECT_EQ(signature(key, sts), expected(l, "header-signature.txt"));

  // The whole operation, with and without the key cache.
  key_cache cache;
  for (key_cache* c : {static_cast<key_cache*>(nullptr), &cache}) {
    signing_trace trace;
    auto added = sign_headers(r, c, &trace);
    ASSERT_TRUE(added) << added.error().message();
    EXPECT_EQ(trace.canonical_request, expected(l, "header-canonical-request.txt"));
    EXPECT_EQ(trace.string_to_sign, expected(l, "header-string-to-sign.txt"));
    EXPECT_EQ(trace.signature, expected(l, "header-signature.txt"));

    // The signed request, compared as a set of header lines (emit order differs).
    if (GetParam().expected_case == GetParam().name) {
      parsed_request signed_req = parse_request(expected(l, "header-signed-request.txt"));
      std::multiset<std::string> want, got;
      for (const auto& h : signed_req.headers) want.insert(h.name + ":" + h.value);
      for (const auto& h : r.headers) got.insert(h.name + ":" + h.value);
      for (const auto& h : *added) got.insert(h.name + ":" + h.value);
      std::multiset<std::string> want_l, got_l;
      for (auto s : want) want_l.insert(s.substr(0, s.find(':')) == "" ? s : [&] {
        std::string n = s.substr(0, s.find(':'));
        util::ascii_lower_in_place(n);
        return n + s.substr(s.find(':'));
      }());
      for (auto s : got) got_l.insert([&] {
        std::string n = s.substr(0, s.find(':'));
        util::ascii_lower_in_place(n);
        return n + s.substr(s.find(':'));
      }());
      EXPECT_EQ(got_l, want_l);
    }
  }
}

TEST_P(sigv4_suite, query_signing_stages) {
  loaded l = load(GetParam());
  const signing_request& r = l.req;

  // Stage by stage: the X-Amz-* parameters put in by hand.
  signing_request with_params = r;
  const std::string scope = credential_scope(r.time, r.region, r.service);
  with_params.query.push_back({"X-Amz-Algorithm", "AWS4-HMAC-SHA256"});
  with_params.query.push_back({"X-Amz-Credential", r.credentials.access_key.value() + "/" + scope});
  with_params.query.push_back({"X-Amz-Date", amz_date(r.time)});
  with_params.query.push_back({"X-Amz-Expires", std::to_string(r.expires.count())});
  with_params.query.push_back({"X-Amz-SignedHeaders", signed_header_names(r.headers)});
  if (r.credentials.token && r.sign_session_token)
    with_params.query.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});
  const std::string creq = canonical_request(with_params);
  EXPECT_EQ(creq, expected(l, "query-canonical-request.txt"));
  const std::string sts = string_to_sign(r.time, scope, creq);
  EXPECT_EQ(sts, expected(l, "query-string-to-sign.txt"));
  const auto key = derive_signing_key(r.credentials.secret, amz_date(r.time).substr(0, 8), r.region, r.service);
  EXPECT_EQ(signature(key, sts), expected(l, "query-signature.txt"));

  key_cache cache;
  for (key_cache* c : {static_cast<key_cache*>(nullptr), &cache}) {
    signing_trace trace;
    auto added = presign(r, c, &trace);
    ASSERT_TRUE(added) << added.error().message();
    EXPECT_EQ(trace.canonical_request, expected(l, "query-canonical-request.txt"));
    EXPECT_EQ(trace.string_to_sign, expected(l, "query-string-to-sign.txt"));
    EXPECT_EQ(trace.signature, expected(l, "query-signature.txt"));
    ASSERT_FALSE(added->empty());
    EXPECT_EQ(added->back().name, "X-Amz-Signature");

    if (GetParam().expected_case == GetParam().name) {
      // The presigned request's query, as a set of decoded parameters.
      parsed_request signed_req = parse_request(expected(l, "query-signed-request.txt"));
      std::multiset<std::pair<std::string, std::string>> want, got;
      for (const auto& q : parse_query(signed_req.query)) want.insert({q.name, q.value});
      for (const auto& q : r.query) got.insert({q.name, q.value});
      for (const auto& q : *added) got.insert({q.name, q.value});
      EXPECT_EQ(got, want);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(v4, sigv4_suite, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<vector_case>& i) {
                           std::string n = i.param.name + (i.param.rules == uri_rules::s3 ? "_s3" : "_generic");
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(sigv4_suite_size, has_all_38_cases) { EXPECT_EQ(all_cases().size(), 76u); }

// The suite never puts '%' in a path, so it cannot tell single from double encoding.
TEST(canonical_uri_rules, percent_in_path_is_encoded_twice_only_under_generic_rules) {
  EXPECT_EQ(canonical_uri("/a%20b", uri_rules::generic, false), "/a%2520b");
  EXPECT_EQ(canonical_uri("/a%20b", uri_rules::s3, false), "/a%20b");
  EXPECT_EQ(canonical_uri("/a b", uri_rules::s3, false), "/a%20b");
  EXPECT_EQ(canonical_uri("/test$file.text", uri_rules::s3, false), "/test%24file.text");
  EXPECT_EQ(canonical_uri("/a/../b//c", uri_rules::s3, true), "/a/../b//c");
  EXPECT_EQ(canonical_uri("/a/../b//c", uri_rules::generic, true), "/b/c");
  EXPECT_EQ(canonical_uri("", uri_rules::s3, false), "/");
}

}  // namespace
}  // namespace dropslot::sigv4
