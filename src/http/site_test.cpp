#include "dropslot/http/site.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace dropslot::http {
namespace {

// The API side of the site: answers with its path, so a test sees where a request went.
class path_echo final : public service {
 public:
  response handle(const request& req) override {
    response r;
    r.status = 299;
    r.body = req.path;
    return r;
  }
  std::size_t body_limit(const request&) const override { return 4096; }
};

request get(std::string path) {
  request r;
  r.method = "GET";
  r.path = std::move(path);
  return r;
}

TEST(Site, ApiPathsGoToTheApiWithoutPageHeaders) {
  site_service site;
  site.api = std::make_shared<path_echo>();
  site.page_headers = dashboard_page_headers("http://127.0.0.1:9000");
  for (const char* p : {"/api", "/api/jobs", "/healthz"}) {
    auto res = site.handle(get(p));
    EXPECT_EQ(res.status, 299) << p;
    EXPECT_EQ(res.body, p);
    EXPECT_FALSE(res.headers.get("Content-Security-Policy")) << p;
    EXPECT_EQ(site.body_limit(get(p)), 4096u);
  }
  EXPECT_EQ(site.body_limit(get("/app.js")), 0u);
  EXPECT_NE(site.handle(get("/apiary")).status, 299);
}

TEST(Site, PagesCarryTheDashboardSecurityHeaders) {
  const auto dir = std::filesystem::temp_directory_path() / ("dropslot-site-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.html") << "<!doctype html>";
  site_service site;
  site.api = std::make_shared<path_echo>();
  site.files.emplace(*static_files::open(dir));
  site.page_headers = dashboard_page_headers("http://127.0.0.1:9000");
  for (const char* p : {"/", "/missing.js"}) {
    auto res = site.handle(get(p));
    auto csp = res.headers.get("Content-Security-Policy");
    ASSERT_TRUE(csp) << p;
    EXPECT_NE(csp->find("script-src 'self';"), std::string_view::npos);
    EXPECT_NE(csp->find("connect-src 'self' http://127.0.0.1:9000;"), std::string_view::npos);
    EXPECT_NE(csp->find("img-src 'self' http://127.0.0.1:9000 blob: data:;"), std::string_view::npos);
    EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string_view::npos);
    EXPECT_EQ(res.headers.get("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(res.headers.get("Referrer-Policy"), "no-referrer");
  }
  EXPECT_EQ(site.handle(get("/")).status, 200);
  EXPECT_EQ(site.handle(get("/missing.js")).status, 404);
  std::filesystem::remove_all(dir);
}

TEST(Site, WithoutAWebFolderTheRootSaysWhatIsRunning) {
  site_service site;
  site.api = std::make_shared<path_echo>();
  auto res = site.handle(get("/"));
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("dropslot is running"), std::string::npos);
  EXPECT_EQ(site.handle(get("/x")).status, 404);
}

}  // namespace
}  // namespace dropslot::http
