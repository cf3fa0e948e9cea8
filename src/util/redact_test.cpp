#include <dropslot/util/redact.hpp>

#include <gtest/gtest.h>

namespace dropslot::util {
namespace {

TEST(redact, url_userinfo_passwords) {
  EXPECT_EQ(redact_passwords("cannot connect to postgres://app:s3cr3t@db.example:5432/dropslot: refused"),
            "cannot connect to postgres://app:***@db.example:5432/dropslot: refused");
  EXPECT_EQ(redact_passwords("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
  EXPECT_EQ(redact_passwords("http://user@host/ a://b:c@d"), "http://user@host/ a://b:***@d");
  EXPECT_EQ(redact_passwords("\"postgresql://u:p%40ss@h/d\" failed"), "\"postgresql://u:***@h/d\" failed");
  EXPECT_EQ(redact_passwords("x postgres://u:a@b@h/d"), "x postgres://***");  // which '@'? all masked
}

TEST(redact, libpq_query_password) {
  EXPECT_EQ(redact_passwords("postgres://db.example/dropslot?user=app&password=s3cr3t&sslmode=require"),
            "postgres://db.example/dropslot?user=app&password=***&sslmode=require");
  EXPECT_EQ(redact_passwords("postgres://h/d?PASSWORD=s3cr3t"), "postgres://h/d?PASSWORD=***");
  EXPECT_EQ(redact_passwords("postgres://h/d?pass%77ord=s3cr3t"), "postgres://h/d?pass%77ord=***");
  EXPECT_EQ(redact_passwords("postgres://h/d?passwords=x"), "postgres://h/d?passwords=x");
}

TEST(redact, libpq_conninfo_password) {
  EXPECT_EQ(redact_passwords("connection to host=db user=app password=s3cr3t dbname=x failed"),
            "connection to host=db user=app password=*** dbname=x failed");
  EXPECT_EQ(redact_passwords("host=db password = 'a b\\' c' dbname=x"), "host=db password = *** dbname=x");
  EXPECT_EQ(redact_passwords("Password=s3cr3t"), "Password=***");
  EXPECT_EQ(redact_passwords("db_password=x and the password is wrong"), "db_password=x and the password is wrong");
}

TEST(redact, a_url_boost_cannot_parse_is_cut_after_the_scheme) {
  EXPECT_EQ(redact_passwords("postgres://u:s3{cr}3t@h/d"), "postgres://***");
  EXPECT_EQ(redact_passwords("see postgres://h/d?{password=x} now"), "see postgres://*** now");
  EXPECT_EQ(redact_passwords("http://h/{x}"), "http://h/{x}");  // nothing secret-looking: kept
}

}  // namespace
}  // namespace dropslot::util

// A share link's token (GET {base}/shared/{token}) never reaches a log; other paths
// are logged as they are.
TEST(LoggablePath, HidesTheShareToken) {
  std::string scratch;
  EXPECT_EQ(dropslot::util::loggable_path("/api/shared/0123abcd", scratch), "/api/shared/-");
  EXPECT_EQ(dropslot::util::loggable_path("/shared/0123abcd/x", scratch), "/shared/-/x");
  EXPECT_EQ(dropslot::util::loggable_path("/api/staff/shares/shr-1", scratch), "/api/staff/shares/shr-1");
  EXPECT_EQ(dropslot::util::loggable_path("/api/jobs/J1", scratch), "/api/jobs/J1");
}
