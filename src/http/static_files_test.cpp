#include "dropslot/http/static_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace dropslot::http;

namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("dropslot-static-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(std::random_device{}()));
    fs::create_directories(base_ / "root/assets");
    fs::create_directories(base_ / "root/sub");
    write(base_ / "root/index.html", "<h1>home</h1>");
    write(base_ / "root/app.js", "export {}");
    write(base_ / "root/assets/logo.svg", "<svg/>");
    write(base_ / "root/sub/index.html", "sub index");
    write(base_ / "root/.env", "SECRET=1");
    write(base_ / "secret.txt", "outside");
    fs::create_symlink(base_ / "secret.txt", base_ / "root/link-out.txt");
    fs::create_symlink(base_ / "root/app.js", base_ / "root/link-in.js");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& p, std::string_view s) { std::ofstream(p) << s; }
  static request get(std::string path, std::string method = "GET") {
    request r;
    r.method = std::move(method);
    r.path = std::move(path);
    return r;
  }
  static_files open(static_options o = {}) {
    auto f = static_files::open(base_ / "root", std::move(o));
    EXPECT_TRUE(f.has_value());
    return std::move(f).value();
  }

  fs::path base_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirType) {
  auto files = open();
  auto r = files.serve(get("/app.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "export {}");
  EXPECT_EQ(r.headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_TRUE(r.headers.get("ETag").has_value());
  r = files.serve(get("/assets/logo.svg"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "image/svg+xml");
}

TEST_F(StaticFilesTest, IndexForRootAndFolders) {
  auto files = open();
  EXPECT_EQ(files.serve(get("/")).body, "<h1>home</h1>");
  EXPECT_EQ(files.serve(get("")).body, "<h1>home</h1>");
  EXPECT_EQ(files.serve(get("/sub/")).body, "sub index");
  EXPECT_EQ(files.serve(get("/")).headers.get("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(StaticFilesTest, TraversalAttemptsAre404) {
  auto files = open();
  for (const char* p : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%5csecret.txt", "/assets\\..\\..\\secret.txt",
                        "/app.js%00.png", "/link-out.txt", "/.env", "/%2eenv", "/./app.js",
                        "//etc/passwd", "/nope.js"}) {
    auto r = files.serve(get(p));
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << p;
  }
}

TEST_F(StaticFilesTest, SymlinkInsideRootIsServed) {
  EXPECT_EQ(open().serve(get("/link-in.js")).status, 200);
}

TEST_F(StaticFilesTest, EtagGives304) {
  static_options o;
  o.cache_control = "public, max-age=60";
  auto files = open(o);
  auto first = files.serve(get("/app.js"));
  auto etag = std::string(*first.headers.get("ETag"));
  EXPECT_EQ(first.headers.get("Cache-Control"), "public, max-age=60");
  auto req = get("/app.js");
  req.headers.add("If-None-Match", "\"other\", W/" + etag);
  auto second = files.serve(req);
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
  EXPECT_EQ(second.headers.get("ETag"), etag);
  req.headers.set("If-None-Match", "\"other\"");
  EXPECT_EQ(files.serve(req).status, 200);
}

TEST_F(StaticFilesTest, IndexHasItsOwnCacheControl) {
  static_options o;
  o.cache_control = "public, max-age=60";
  o.index_cache_control = "no-cache";
  auto files = open(o);
  EXPECT_EQ(files.serve(get("/")).headers.get("Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, SpaFallbackOnlyForExtensionlessPaths) {
  auto plain = open();
  EXPECT_EQ(plain.serve(get("/jobs/J1")).status, 404);
  static_options o;
  o.spa_fallback = true;
  auto spa = open(o);
  auto r = spa.serve(get("/jobs/J1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>");
  EXPECT_EQ(spa.serve(get("/missing.js")).status, 404);
  EXPECT_EQ(spa.serve(get("/../secret")).status, 404);
}

TEST_F(StaticFilesTest, ExtraHeadersOnEveryAnswer) {
  static_options o;
  o.extra_headers.add("X-Content-Type-Options", "nosniff");
  auto files = open(std::move(o));
  EXPECT_EQ(files.serve(get("/app.js")).headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(files.serve(get("/nope")).headers.get("X-Content-Type-Options"), "nosniff");
}

TEST_F(StaticFilesTest, OtherMethodsAre405) {
  auto r = open().serve(get("/app.js", "POST"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow"), "GET, HEAD");
  EXPECT_EQ(open().serve(get("/app.js", "HEAD")).status, 200);
}

TEST_F(StaticFilesTest, MissingRootFails) {
  auto f = static_files::open(base_ / "nope");
  ASSERT_FALSE(f.has_value());
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(content_type_for("a/b/c.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("x.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("x.map"), "application/json");
  EXPECT_EQ(content_type_for("x.jpg"), "image/jpeg");
  EXPECT_EQ(content_type_for("x.webp"), "image/webp");
  EXPECT_EQ(content_type_for("x.ico"), "image/x-icon");
  EXPECT_EQ(content_type_for("x.png"), "image/png");
  EXPECT_EQ(content_type_for("x.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(content_type_for("x.json"), "application/json");
  EXPECT_EQ(content_type_for("noext"), "application/octet-stream");
  EXPECT_EQ(content_type_for("x.exe"), "application/octet-stream");
}

}  // namespace
