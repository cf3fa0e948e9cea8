// The AWS S3 API Reference's chunked-upload example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
// /work/shared/testdata/s3-examples/chunked-upload-put-object.json) played through the
// store's request handling with the documented clock and key: it must be accepted and
// stored whole, and any changed byte or signature must be refused with nothing stored.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine.hpp"
#include "dropslot/store/object_store.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {
namespace {

namespace json = boost::json;

json::object load_vector() {
  std::ifstream in(std::string(DROPSLOT_SHARED_DIR) + "/testdata/s3-examples/chunked-upload-put-object.json");
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str()).as_object();
}

class ChunkedExample : public ::testing::Test {
 protected:
  void SetUp() override {
    vec_ = load_vector();
    dir_ = std::filesystem::temp_directory_path() / ("dropslot-store-vec-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    const auto& creds = vec_.at("inputs").at("credentials").as_object();
    store_config c;
    c.data_dir = dir_;
    c.key = {std::string(creds.at("access_key_id").as_string()), std::string(creds.at("secret_access_key").as_string())};
    c.now = [] { return std::chrono::sys_days{std::chrono::year{2013} / 5 / 24} + std::chrono::minutes(1); };
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message();
    store_ = *s;
    ASSERT_TRUE(store_->ensure_bucket("examplebucket"));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  http::request head() const {
    http::request r;
    r.method = "PUT";
    r.path = "/examplebucket/chunkObject.txt";
    for (const auto& h : vec_.at("inputs").at("headers_to_sign_lowercase_sorted").as_array())
      r.headers.add(std::string(h.as_array()[0].as_string()), std::string(h.as_array()[1].as_string()));
    r.headers.add("authorization", std::string(vec_.at("expected").at("authorization_header_as_documented").as_string()));
    return r;
  }

  std::string body() const {
    std::string b;
    for (const auto& c : vec_.at("expected").at("chunks").as_array()) {
      const auto& o = c.as_object();
      b += std::string(o.at("chunk_header_line_exact_bytes").as_string());
      b += std::string(static_cast<std::size_t>(o.at("data_length").as_int64()), 'a');
      b += "\r\n";
    }
    return b;
  }

  s3_response put(const http::request& h, const std::string& b, std::size_t piece) {
    auto d = store_->engine().begin(h);
    if (!d.consumer) return std::move(d.response);
    std::optional<error> err;
    for (std::size_t i = 0; i < b.size() && !err; i += piece)
      if (auto r = d.consumer->write(std::string_view(b).substr(i, piece)); !r) err = r.error();
    return d.consumer->finish(err);
  }

  json::object vec_;
  std::filesystem::path dir_;
  std::shared_ptr<object_store> store_;
};

TEST_F(ChunkedExample, AcceptedAndStoredWhole) {
  std::string b = body();
  ASSERT_EQ(b.size(), 66824u);
  for (std::size_t piece : {b.size(), std::size_t{4096}, std::size_t{7}}) {
    auto r = put(head(), b, piece);
    EXPECT_EQ(r.status, 200) << r.body;
    auto obj = store_->engine().backend().open_object("examplebucket", "chunkObject.txt");
    ASSERT_TRUE(obj);
    EXPECT_EQ(obj->meta.size, 66560u);
    std::string data(66560, '\0');
    ASSERT_EQ(*obj->body->read_at(0, data.data(), data.size()), 66560u);
    EXPECT_EQ(data, std::string(66560, 'a'));
  }
}

TEST_F(ChunkedExample, ChangedByteOrSignatureIsRefused) {
  std::string b = body();
  std::string tampered = b;
  tampered[b.size() - 200] = 'b';  // inside the second chunk's data
  auto r = put(head(), tampered, 4096);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("SignatureDoesNotMatch"), std::string::npos);

  std::string bad_sig = b;
  auto at = bad_sig.find("0055627c");
  bad_sig.replace(at, 8, "1055627c");
  r = put(head(), bad_sig, 4096);
  EXPECT_EQ(r.status, 403);

  auto h = head();
  h.headers.set("x-amz-decoded-content-length", "66561");  // signed: the seed signature fails
  r = put(h, b, 4096);
  EXPECT_EQ(r.status, 403);

  EXPECT_FALSE(store_->engine().backend().open_object("examplebucket", "chunkObject.txt"));
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / ".tmp"));
}

TEST_F(ChunkedExample, AnonymousAndExpiredClockAreRefusedBeforeExistence) {
  http::request get;
  get.method = "GET";
  get.path = "/examplebucket/chunkObject.txt";
  get.headers.add("host", "s3.amazonaws.com");
  auto d = store_->engine().begin(get);
  ASSERT_FALSE(d.consumer);
  EXPECT_EQ(d.response.status, 403);
  EXPECT_NE(d.response.body.find("<Code>AccessDenied</Code>"), std::string::npos);
}

}  // namespace
}  // namespace dropslot::store
