// Unit tests of the store's pure pieces: key → path, host/path → bucket/key, Range and
// conditional headers, the aws-chunked decoder, the multipart/form-data parser, the
// XML bodies and CORS matching.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "addressing.hpp"
#include "checksums.hpp"
#include "chunk_decoder.hpp"
#include "form_data.hpp"
#include "http_conditions.hpp"
#include "key_path.hpp"
#include "s3_xml.hpp"
#include "dropslot/store/cors.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {
namespace {

using namespace std::chrono_literals;

TEST(KeyPath, AnyKeyBecomesAHashPathInsideTheRoot) {
  const std::regex shape("^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}$");
  std::vector<std::string> keys = {"../../etc/passwd", "..", ".", "a/../../b", "..\\..\\x", "%2e%2e/%2e%2e",
                                   std::string("nul\0inside", 10), std::string(1024, 'k'), "ünï/🎉", "", "/", "//"};
  std::set<std::string> seen;
  for (const auto& k : keys) {
    std::string p = key_relative_path(k);
    EXPECT_TRUE(std::regex_match(p, shape)) << p;
    EXPECT_EQ(p.substr(0, 2), p.substr(6, 2));
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), keys.size());  // distinct keys, distinct files
  EXPECT_EQ(key_relative_path("a"), key_relative_path("a"));
}

TEST(KeyPath, UploadIdsAreOursInShape) {
  EXPECT_TRUE(valid_upload_id("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(valid_upload_id("../../../../../../../../../../etc"));
  EXPECT_FALSE(valid_upload_id("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(valid_upload_id(""));
}

TEST(Addressing, PathStyle) {
  auto t = split_target("127.0.0.1:9000", "/bucket/a/b%20c.txt", {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "bucket");
  EXPECT_EQ(t->key, "a/b c.txt");
  EXPECT_FALSE(t->virtual_hosted);
  t = split_target("127.0.0.1:9000", "/", {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "");
  t = split_target("127.0.0.1:9000", "/bucket", {});
  EXPECT_EQ(t->bucket, "bucket");
  EXPECT_EQ(t->key, "");
  t = split_target("127.0.0.1:9000", "/bucket/", {});
  EXPECT_EQ(t->key, "");
  // '+' in a path is a plus, and %2F is part of the key.
  t = split_target("h", "/b/a+b%2Fc", {});
  EXPECT_EQ(t->key, "a+b/c");
}

TEST(Addressing, VirtualHosted) {
  auto t = split_target("photos.localhost:9000", "/jobs/J1/photo-001.jpg", {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bucket, "photos");
  EXPECT_EQ(t->key, "jobs/J1/photo-001.jpg");
  EXPECT_TRUE(t->virtual_hosted);
  t = split_target("My.Bucket.S3.Example.Com", "/k", {"s3.example.com"});
  EXPECT_EQ(t->bucket, "my.bucket");
  t = split_target("s3.example.com", "/b/k", {"s3.example.com"});
  EXPECT_EQ(t->bucket, "b");
  EXPECT_FALSE(t->virtual_hosted);
}

TEST(Addressing, KeyLimitAndBadTargets) {
  EXPECT_TRUE(split_target("h", "/b/" + std::string(1024, 'k'), {}));
  auto t = split_target("h", "/b/" + std::string(1025, 'k'), {});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, s3_errc::key_too_long);
  EXPECT_FALSE(split_target("h", "b/k", {}));
}

TEST(Addressing, KeysMustBeUtf8) {
  EXPECT_TRUE(split_target("h", "/b/%C3%BC%F0%9F%8E%89", {}));
  for (const char* bad : {"/b/bytes-%FF%FE", "/b/%C0%AF", "/b/%ED%A0%80", "/b/%E2%82", "/b/%F4%90%80%80"}) {
    auto t = split_target("h", bad, {});
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code, s3_errc::invalid_argument);
  }
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_FALSE(valid_utf8("\xe9t\xe9"));
}

TEST(Addressing, BucketNames) {
  EXPECT_TRUE(valid_bucket_name("uploads"));
  EXPECT_TRUE(valid_bucket_name("my.bucket-1"));
  EXPECT_FALSE(valid_bucket_name("ab"));
  EXPECT_FALSE(valid_bucket_name("Upper"));
  EXPECT_FALSE(valid_bucket_name(".."));
  EXPECT_FALSE(valid_bucket_name("a..b"));
  EXPECT_FALSE(valid_bucket_name("192.168.1.1"));
  EXPECT_FALSE(valid_bucket_name("-abc"));
  EXPECT_FALSE(valid_bucket_name("a/b"));
  EXPECT_FALSE(valid_bucket_name(std::string(64, 'a')));
}

TEST(Range, Forms) {
  auto r = parse_range("bytes=0-9", 100);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->first, 0u);
  EXPECT_EQ((*r)->last, 9u);
  r = parse_range("bytes=90-", 100);
  EXPECT_EQ((*r)->first, 90u);
  EXPECT_EQ((*r)->last, 99u);
  r = parse_range("bytes=-10", 100);
  EXPECT_EQ((*r)->first, 90u);
  r = parse_range("bytes=-1000", 100);
  EXPECT_EQ((*r)->first, 0u);
  r = parse_range("bytes=50-1000", 100);
  EXPECT_EQ((*r)->last, 99u);
}

TEST(Range, IgnoredOrUnsatisfiable) {
  EXPECT_FALSE(*parse_range(std::nullopt, 100));
  EXPECT_FALSE(*parse_range("items=0-1", 100));
  EXPECT_FALSE(*parse_range("bytes=0-1,5-6", 100));  // S3 serves the whole object
  EXPECT_FALSE(*parse_range("bytes=9-1", 100));
  EXPECT_FALSE(*parse_range("bytes=x-1", 100));
  auto r = parse_range("bytes=100-", 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, s3_errc::invalid_range);
  EXPECT_FALSE(parse_range("bytes=-0", 100));
  EXPECT_FALSE(parse_range("bytes=0-", 0));
}

TEST(Conditions, Rfc9110Order) {
  const std::string etag = "\"abc\"";
  const sys_seconds lm{1700000000s};
  const std::string before = format_http_date(lm - 60s), after = format_http_date(lm + 60s);
  auto eval = [&](conditions c, std::string method = "GET", bool exists = true) {
    return evaluate_conditions(c, method, exists, etag, lm);
  };
  using o = condition_outcome;
  EXPECT_EQ(eval({}), o::proceed);
  EXPECT_EQ(eval({.if_match = "\"abc\""}), o::proceed);
  EXPECT_EQ(eval({.if_match = "abc"}), o::proceed);
  EXPECT_EQ(eval({.if_match = "\"x\", \"abc\""}), o::proceed);
  EXPECT_EQ(eval({.if_match = "\"x\""}), o::precondition_failed);
  EXPECT_EQ(eval({.if_match = "*"}, "GET", false), o::precondition_failed);
  EXPECT_EQ(eval({.if_none_match = "\"abc\""}), o::not_modified);
  EXPECT_EQ(eval({.if_none_match = "*"}, "PUT"), o::precondition_failed);
  EXPECT_EQ(eval({.if_none_match = "*"}, "PUT", false), o::proceed);
  EXPECT_EQ(eval({.if_modified_since = after}), o::not_modified);
  EXPECT_EQ(eval({.if_modified_since = before}), o::proceed);
  EXPECT_EQ(eval({.if_unmodified_since = before}), o::precondition_failed);
  EXPECT_EQ(eval({.if_unmodified_since = after}), o::proceed);
  // If-Match true wins over a failing If-Unmodified-Since; If-None-Match false wins over If-Modified-Since.
  EXPECT_EQ(eval({.if_match = etag, .if_unmodified_since = before}), o::proceed);
  EXPECT_EQ(eval({.if_none_match = "\"x\"", .if_modified_since = after}), o::proceed);
}

TEST(HttpDate, RoundTripAndFormats) {
  sys_seconds t{784111777s};
  EXPECT_EQ(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), t);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), t);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), t);
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_EQ(format_iso8601(t), "1994-11-06T08:49:37.000Z");
}

// A verifier that records what it was asked and accepts signatures from a list.
struct recording_verifier : chunk_verifier {
  std::vector<std::string> good;
  std::vector<std::string> chunk_hashes;
  std::string trailer_text;
  bool verify_chunk(std::string_view sig, std::string_view raw) override {
    chunk_hashes.push_back(util::hex_encode(raw));
    return std::find(good.begin(), good.end(), sig) != good.end();
  }
  bool verify_trailer(std::string_view canonical, std::string_view sig) override {
    trailer_text = canonical;
    return sig == "trailer-ok";
  }
};

std::string decode_all(aws_chunked_decoder& d, std::string_view body, std::size_t piece, result<void>* err) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += piece) {
    auto r = d.feed(body.substr(i, piece), [&](std::string_view s) -> result<void> {
      out.append(s);
      return {};
    });
    if (!r) {
      *err = r;
      return out;
    }
  }
  *err = d.finish();
  return out;
}

TEST(ChunkDecoder, UnsignedWithTrailerInAnyPieces) {
  const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
    aws_chunked_decoder d(false, true, nullptr);
    result<void> err;
    EXPECT_EQ(decode_all(d, body, piece, &err), "hello world") << piece;
    EXPECT_TRUE(err) << piece;
    ASSERT_EQ(d.trailers().size(), 1u);
    EXPECT_EQ(d.trailers()[0].first, "x-amz-checksum-crc32");
    EXPECT_EQ(d.trailers()[0].second, "DUoRhQ==");
  }
}

TEST(ChunkDecoder, SignedChunksAreEachVerified) {
  recording_verifier v;
  v.good = {"s1", "s2"};
  aws_chunked_decoder d(true, false, &v);
  result<void> err;
  EXPECT_EQ(decode_all(d, "3;chunk-signature=s1\r\nabc\r\n0;chunk-signature=s2\r\n\r\n", 4, &err), "abc");
  EXPECT_TRUE(err);
  ASSERT_EQ(v.chunk_hashes.size(), 2u);
  EXPECT_EQ(v.chunk_hashes[0], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // sha256("abc")
  EXPECT_EQ(v.chunk_hashes[1], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ChunkDecoder, RejectsBadSignaturesAndFraming) {
  recording_verifier v;
  v.good = {"s1"};
  {
    aws_chunked_decoder d(true, false, &v);
    result<void> err;
    decode_all(d, "3;chunk-signature=bad\r\nabc\r\n0;chunk-signature=s1\r\n\r\n", 100, &err);
    ASSERT_FALSE(err);
    EXPECT_EQ(err.error().code, s3_errc::signature_does_not_match);
  }
  {
    aws_chunked_decoder d(true, false, &v);  // signed mode needs a signature on every chunk
    result<void> err;
    decode_all(d, "3\r\nabc\r\n0\r\n\r\n", 100, &err);
    EXPECT_FALSE(err);
  }
  {
    aws_chunked_decoder d(true, true, &v);  // signed trailer: must carry a good trailer signature
    result<void> err;
    v.good = {"s1", "s2"};
    decode_all(d, "0;chunk-signature=s1\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:nope\r\n\r\n", 100, &err);
    ASSERT_FALSE(err);
    EXPECT_EQ(v.trailer_text, "x-amz-checksum-crc32:AAAAAA==\n");
  }
  for (std::string bad : {"zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcX\r\n0\r\n\r\n", "5\r\nabc", "3\r\nabc\r\n"}) {
    aws_chunked_decoder d(false, false, nullptr);
    result<void> err;
    decode_all(d, bad, 100, &err);
    EXPECT_FALSE(err) << bad;
  }
  {
    aws_chunked_decoder d(false, false, nullptr);
    result<void> err;
    decode_all(d, std::string(5000, '1'), 100, &err);  // an endless size line is cut
    EXPECT_FALSE(err);
  }
}

struct form_result {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string filename, type, file;
  result<void> status;
};

form_result parse_form(const std::string& boundary, const std::string& body, std::size_t piece) {
  form_result out;
  form_data_parser p(boundary, {[&](const auto& fields, std::string_view filename, std::string_view type) -> result<void> {
                                  out.fields = fields;
                                  out.filename = filename;
                                  out.type = type;
                                  return {};
                                },
                                [&](std::string_view b) -> result<void> {
                                  out.file.append(b);
                                  return {};
                                }});
  for (std::size_t i = 0; i < body.size(); i += piece)
    if (auto r = p.feed(std::string_view(body).substr(i, piece)); !r) {
      out.status = r;
      return out;
    }
  out.status = p.finish();
  return out;
}

TEST(FormData, FieldsThenStreamedFile) {
  const std::string b = "----xyz";
  std::string file_bytes = "line1\r\n--not-a-boundary\r\n------xy\r\nend";
  file_bytes += std::string("\0\r\n", 3);
  std::string body = "--" + b + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/${filename}\r\n" +
                     "--" + b + "\r\nContent-Disposition: form-data; name=\"Content-Type\"\r\n\r\nimage/png\r\n" +
                     "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.png\"\r\n" +
                     "Content-Type: image/png\r\n\r\n" + file_bytes + "\r\n" +
                     "--" + b + "\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nignored\r\n--" + b + "--\r\n";
  for (std::size_t piece : {1u, 5u, 13u, 4096u}) {
    auto r = parse_form(b, body, piece);
    ASSERT_TRUE(r.status) << r.status.error().message();
    ASSERT_EQ(r.fields.size(), 2u);
    EXPECT_EQ(r.fields[0], (std::pair<std::string, std::string>{"key", "uploads/${filename}"}));
    EXPECT_EQ(r.fields[1], (std::pair<std::string, std::string>{"content-type", "image/png"}));
    EXPECT_EQ(r.filename, "a;b.png");
    EXPECT_EQ(r.type, "image/png");
    EXPECT_EQ(r.file, file_bytes) << piece;
  }
}

TEST(FormData, BoundaryAndErrors) {
  EXPECT_EQ(form_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(form_boundary("multipart/form-data; boundary=\"a b\""), "a b");
  EXPECT_FALSE(form_boundary("application/json"));
  EXPECT_FALSE(form_boundary("multipart/form-data"));
  auto r = parse_form("b", "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b--\r\n", 3);
  EXPECT_FALSE(r.status);  // no file
  r = parse_form("b", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\npartial", 3);
  EXPECT_FALSE(r.status);  // cut short
  r = parse_form("b", "--b\r\nContent-Disposition: form-data; name=\"big\"\r\n\r\n" + std::string(70000, 'x') + "\r\n--b--", 1000);
  ASSERT_FALSE(r.status);
  EXPECT_EQ(r.status.error().code, s3_errc::malformed_post_request);
}

TEST(Checksums, KnownValues) {
  crc32_hasher c(crc32_hasher::kind::crc32);
  c.update("123456789", 9);
  EXPECT_EQ(c.value(), 0xCBF43926u);
  crc32_hasher cc(crc32_hasher::kind::crc32c);
  cc.update("123456789", 9);
  EXPECT_EQ(cc.value(), 0xE3069283u);
  crc32_hasher split(crc32_hasher::kind::crc32);
  split.update("1234", 4);
  split.update("56789", 5);
  EXPECT_EQ(split.value(), 0xCBF43926u);
  EXPECT_EQ(util::base64_encode(c.digest()), "y/Q5Jg==");
  EXPECT_EQ(util::base64_decode("y/Q5Jg=="), c.digest());
  EXPECT_FALSE(util::base64_decode("y/Q5Jg="));
  EXPECT_FALSE(util::base64_decode("y/Q5J!=="));
}

TEST(Xml, ErrorBodyHasS3Shape) {
  std::string x = error_xml("SignatureDoesNotMatch", "bad <sig>", "/b/k", "RID",
                            {{"StringToSign", "AWS4-HMAC-SHA256\nx"}, {"CanonicalRequest", "GET\n/b/k"}});
  EXPECT_THAT(x, ::testing::HasSubstr("<Error><Code>SignatureDoesNotMatch</Code><Message>bad &lt;sig&gt;</Message>"));
  EXPECT_THAT(x, ::testing::HasSubstr("<StringToSign>AWS4-HMAC-SHA256\nx</StringToSign>"));
  EXPECT_THAT(x, ::testing::HasSubstr("<Resource>/b/k</Resource><RequestId>RID</RequestId></Error>"));
}

TEST(Xml, CompleteMultipartAndDelete) {
  auto parts = parse_complete_multipart(
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part>"
      "<Part><ETag>b</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>");
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts, (std::vector<std::pair<int, std::string>>{{1, "\"a\""}, {2, "b"}}));
  EXPECT_FALSE(parse_complete_multipart("<CompleteMultipartUpload/>"));
  EXPECT_FALSE(parse_complete_multipart("<x>"));
  EXPECT_FALSE(parse_complete_multipart(
      "<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>"));
  auto del = parse_delete_objects("<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object></Delete>");
  ASSERT_TRUE(del);
  EXPECT_TRUE(del->quiet);
  EXPECT_EQ(del->keys, std::vector<std::string>{"a&b"});
}

TEST(Xml, ListingEscapesAndUrlEncodes) {
  list_result r;
  r.objects.push_back({"a<&>b c", index_entry{3, "\"e\"", sys_seconds{0s}}});
  r.common_prefixes.push_back("dir/");
  list_params p;
  p.bucket = "b";
  std::string x = list_objects_v2_xml(p, r);
  EXPECT_THAT(x, ::testing::HasSubstr("<Key>a&lt;&amp;&gt;b c</Key>"));
  EXPECT_THAT(x, ::testing::HasSubstr("<KeyCount>2</KeyCount>"));
  EXPECT_THAT(x, ::testing::HasSubstr("<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"));
  p.url_encode = true;
  x = list_objects_v2_xml(p, r);
  EXPECT_THAT(x, ::testing::HasSubstr("<Key>a%3C%26%3Eb%20c</Key>"));
  EXPECT_THAT(x, ::testing::HasSubstr("<EncodingType>url</EncodingType>"));
}

TEST(Cors, ParseMatchRender) {
  auto rules = parse_cors_xml(
      "<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin>"
      "<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader>"
      "<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>");
  ASSERT_TRUE(rules);
  auto g = match_cors(*rules, "https://app.example.com", "PUT", "Content-Type, If-None-Match");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->allow_origin, "https://app.example.com");
  EXPECT_EQ(g->expose_headers, "ETag");
  EXPECT_EQ(g->max_age_seconds, 300);
  EXPECT_FALSE(match_cors(*rules, "https://evil.com", "PUT", ""));
  EXPECT_FALSE(match_cors(*rules, "https://app.example.com", "DELETE", ""));
  auto again = parse_cors_xml(cors_to_xml(*rules));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0).allowed_origins, rules->at(0).allowed_origins);
  EXPECT_FALSE(parse_cors_xml("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                              "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"));
  std::vector<cors_rule> narrow{{{"http://a"}, {"PUT"}, {"content-type"}, {}, {}}};
  EXPECT_TRUE(match_cors(narrow, "http://a", "PUT", "Content-Type"));
  EXPECT_FALSE(match_cors(narrow, "http://a", "PUT", "content-type, x-amz-meta-x"));
}

}  // namespace
}  // namespace dropslot::store
