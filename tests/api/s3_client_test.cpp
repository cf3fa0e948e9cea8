// The S3 client (src/s3) against the real embedded store over HTTP: bucket setup,
// objects, listing, and the errors the API maps to 503.
#include <gtest/gtest.h>

#include <filesystem>

#include "dropslot/s3/client.hpp"
#include "dropslot/store/object_store.hpp"
#include "serve_fixture.hpp"

namespace dropslot::test {
namespace {

s3::client make_client(const std::string& endpoint, const std::string& bucket, const std::string& id,
                       const std::string& secret) {
  s3::client_config cc;
  cc.endpoint = *s3::make_bucket_endpoint(endpoint, bucket, "us-east-1", true);
  sigv4::credentials c;
  c.access_key = sigv4::access_key_id(id);
  c.secret = sigv4::secret_access_key(secret);
  cc.credentials = [c] { return result<sigv4::credentials>(c); };
  cc.connect_timeout = std::chrono::milliseconds(2000);
  return s3::client(cc);
}

TEST(S3Client, AgainstTheEmbeddedStore) {
  serve_process s("");
  auto key = store::load_or_create_access_key(std::filesystem::path(s.data()) / "s3", nullptr, nullptr);
  ASSERT_TRUE(key);

  auto other = make_client(s.s3(), "other-bucket", key->id, key->secret);
  ASSERT_TRUE(other.create_bucket()) ;
  auto again = other.create_bucket();
  EXPECT_TRUE(again) << again.error().message();  // ours already: not an error

  ASSERT_TRUE(other.put_object("a/b c+d.txt", "hello", "text/plain"));
  auto got = other.get_object("a/b c+d.txt");
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->body, "hello");
  EXPECT_EQ(got->content_type, "text/plain");
  EXPECT_TRUE(*other.head_object("a/b c+d.txt"));
  EXPECT_FALSE(*other.head_object("missing"));
  auto missing = other.get_object("missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, s3::s3_errc::no_such_key);

  for (int i = 0; i < 5; ++i) ASSERT_TRUE(other.put_object("p/" + std::to_string(i), "x"));
  auto page = other.list_objects_v2("p/", {}, 2);
  ASSERT_TRUE(page) << page.error().message();
  EXPECT_EQ(page->objects.size(), 2u);
  EXPECT_TRUE(page->truncated);
  auto all = other.list_all("p/", 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 5u);
  auto capped = other.list_all("p/", 3);
  EXPECT_FALSE(capped);

  ASSERT_TRUE(other.delete_object("a/b c+d.txt"));
  EXPECT_FALSE(*other.head_object("a/b c+d.txt"));

  s3::cors_rule rule;
  rule.allowed_origins = {"http://127.0.0.1:1234"};
  rule.allowed_methods = {"GET", "PUT"};
  rule.allowed_headers = {"*"};
  rule.max_age_seconds = 60;
  auto cors = other.put_bucket_cors({rule});
  EXPECT_TRUE(cors) << cors.error().message();

  // A wrong secret: S3 denies, and the error says so without the secret.
  auto wrong = make_client(s.s3(), "uploads", key->id, "not-the-secret");
  auto denied = wrong.list_objects_v2("");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, s3::s3_errc::access_denied);
  EXPECT_EQ(denied.error().message().find("not-the-secret"), std::string::npos);
  // A bucket that does not exist.
  auto nobucket = make_client(s.s3(), "no-such-bucket", key->id, key->secret).list_objects_v2("");
  ASSERT_FALSE(nobucket);
  EXPECT_EQ(nobucket.error().code, s3::s3_errc::no_such_bucket);
}

TEST(S3Client, UnreachableIsUnavailable) {
  auto c = make_client("http://127.0.0.1:1", "uploads", "AKIDEXAMPLE", "secret");
  auto r = c.list_objects_v2("");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, s3::s3_errc::unavailable);
}

}  // namespace
}  // namespace dropslot::test
