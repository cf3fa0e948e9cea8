// `dropslot admin`: customers, jobs, login links and session revocation on the same
// database `serve` uses (DESIGN.md, CLI). Wiring only: flags in, one db call, one line
// out. Output is meant for scripts: `add` prints only the new id, `login-link` only
// the URL; lists are tab-separated.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <boost/json/serialize.hpp>

#include <dropslot/db/database.hpp>
#include <dropslot/db/dynamodb_schema.hpp>

#include "admin_staff.hpp"
#include "admin_reconcile.hpp"
#include "command.hpp"
#include "admin_backup.hpp"  // backup, restore

namespace dropslot::cli {
namespace {

struct admin_settings {
  std::string data_dir = "./data";
  std::string database_url;
  std::string name, email;
  std::int64_t customer = 0;
  std::optional<std::int64_t> customer_filter;
  std::optional<std::int64_t> staff;  // login-link --staff
  std::string title, job_id, address, scheduled, status = "scheduled";
  std::string base_url = "http://127.0.0.1:8080/";
};

db::timestamp now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

// Opens the database the flags name: --database, else SQLite in --data (created if
// missing, as `serve` would).
result<std::unique_ptr<db::database>> open(const admin_settings& s) {
  if (!s.database_url.empty()) return db::open_database(s.database_url);
  std::error_code ec;
  std::filesystem::create_directories(s.data_dir, ec);
  if (ec) return fail(db::db_errc::unavailable, "cannot create data dir " + s.data_dir + ": " + ec.message());
  return db::open_database(db::default_database_url(s.data_dir));
}

// Runs `body` on the opened database, turning any failure into one stderr line.
template <class F>
int with_database(const admin_settings& s, F&& body) {
  auto d = open(s);
  if (!d) return fail_with(d.error().message());
  return body(**d);
}

int customer_add(const admin_settings& s) {
  return with_database(s, [&](db::database& d) {
    auto c = d.create_customer(s.name, s.email, now());
    if (!c) {
      if (c.error().code == db::db_errc::conflict) return fail_with("a customer with email " + s.email + " exists");
      return fail_with(c.error().message());
    }
    std::printf("%lld\n", static_cast<long long>(c->id));
    return 0;
  });
}

int customer_list(const admin_settings& s) {
  return with_database(s, [&](db::database& d) {
    auto all = d.list_customers();
    if (!all) return fail_with(all.error().message());
    for (const auto& c : *all) std::printf("%lld\t%s\t%s\n", static_cast<long long>(c.id), c.name.c_str(), c.email.c_str());
    return 0;
  });
}

// Removes the customer with everything theirs (db::database::delete_customer); prints
// nothing. An unknown id is an error, as everywhere in admin. deploy/smoke.sh cleans up
// its test customer with it.
int customer_remove(const admin_settings& s) {
  return with_database(s, [&](db::database& d) {
    auto removed = d.delete_customer(s.customer);
    if (!removed) return fail_with(removed.error().message());
    if (!*removed) return fail_with("no customer with id " + std::to_string(s.customer));
    return 0;
  });
}

int job_add(const admin_settings& s) {
  return with_database(s, [&](db::database& d) {
    db::new_job j;
    j.id = s.job_id;
    j.customer = s.customer;
    j.title = s.title;
    j.address = s.address;
    j.status = s.status;
    if (!s.scheduled.empty()) j.scheduled_date = s.scheduled;
    auto r = d.create_job(j, now());
    if (!r) {
      switch (static_cast<db::db_errc>(r.error().code.value())) {
        case db::db_errc::not_found: return fail_with("no customer with id " + std::to_string(s.customer));
        case db::db_errc::conflict: return fail_with("a job with id " + s.job_id + " exists");
        default: return fail_with(r.error().message());
      }
    }
    std::printf("%s\n", r->id.c_str());
    return 0;
  });
}

int job_list(const admin_settings& s) {
  return with_database(s, [&](db::database& d) {
    auto all = d.list_all_jobs(s.customer_filter);
    if (!all) return fail_with(all.error().message());
    for (const auto& j : *all)
      std::printf("%s\t%lld\t%s\t%s\t%s\n", j.id.c_str(), static_cast<long long>(j.customer), j.status.c_str(),
                  j.scheduled_date.value_or("-").c_str(), j.title.c_str());
    return 0;
  });
}

// The dashboard reads the one-time code from the `code` query parameter. A base
// without a path gets "/", so the link opens the dashboard's root page.
std::string login_url(std::string base, const std::string& code) {
  auto scheme_end = base.find("://");
  std::size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  if (base.find_first_of("/?#", host_start) == std::string::npos) base += '/';
  auto hash = base.find('#');
  std::string fragment;
  if (hash != std::string::npos) {
    fragment = base.substr(hash);
    base.resize(hash);
  }
  base += base.find('?') == std::string::npos ? "?code=" : "&code=";
  return base + code + fragment;  // hex: nothing to percent-encode
}

int login_link(const admin_settings& s) {
  if (s.staff) {
    // The staff page, beside the dashboard: <base>/staff/?code=...
    std::string base = s.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return staff_login_link(s.data_dir, s.database_url, *s.staff,
                            [&](const std::string& code) { return login_url(base + "/staff/", code); });
  }
  return with_database(s, [&](db::database& d) {
    auto code = d.create_login_code(s.customer, now());
    if (!code) {
      if (code.error().code == db::db_errc::not_found)
        return fail_with("no customer with id " + std::to_string(s.customer));
      return fail_with(code.error().message());
    }
    std::printf("%s\n", login_url(s.base_url, code->code).c_str());
    return 0;
  });
}

int sessions_revoke(const admin_settings& s) {
  return with_database(s, [&](db::database& d) {
    auto c = d.get_customer(s.customer);
    if (!c) return fail_with(c.error().message());
    if (!*c) return fail_with("no customer with id " + std::to_string(s.customer));
    auto n = d.revoke_sessions(s.customer, now());
    if (!n) return fail_with(n.error().message());
    std::printf("%lld\n", static_cast<long long>(*n));
    return 0;
  });
}

// Opening creates what is missing: the SQL migrations, or the DynamoDB table and its
// TTL (docs/deploy.md: run once before the first Lambda deploy with DynamoDB).
int migrate(const admin_settings& s) {
  return with_database(s, [&](db::database& d) {
    auto filled = d.migrate_data();
    if (!filled) return fail_with(filled.error().message());
    if (*filled) std::printf("%s: board entries added for %zu older jobs\n", std::string(d.backend()).c_str(), *filled);
    std::printf("%s: schema current\n", std::string(d.backend()).c_str());
    return 0;
  });
}

// The CreateTable input the backend creates its table from (the one definition,
// db/dynamodb_schema.hpp); deploy/template.yaml's test compares the template with it.
int dynamodb_schema(const admin_settings& s) {
  std::string prefix = "dropslot";
  if (!s.database_url.empty()) {
    auto p = db::dynamodb_prefix_of(s.database_url);
    if (!p) return fail_with("--database must be dynamodb://PREFIX here", 2);
    prefix = *p;
  }
  std::printf("%s\n", boost::json::serialize(db::dynamodb_table_definition(prefix)).c_str());
  return 0;
}

const registrar reg{"admin", [](CLI::App& app, int& exit_code) {
  static admin_settings s;
  auto* admin = app.add_subcommand("admin", "Manage customers, staff, jobs, login links and sessions");
  admin->require_subcommand(1);
  // --data and --database may come before or after the subcommand words:
  // subcommands inherit fallthrough and hand unknown flags up to `admin`.
  admin->fallthrough();
  admin->add_option("--data", s.data_dir, "Data folder (SQLite lives here by default)")
      ->envname("DROPSLOT_DATA")
      ->default_str("./data");
  admin->add_option("--database", s.database_url,
                    "sqlite:///abs/path.db, postgres://... or dynamodb://PREFIX (default: SQLite in --data)")
      ->envname("DROPSLOT_DATABASE_URL");

  auto* customer = admin->add_subcommand("customer", "Customers");
  customer->require_subcommand(1);
  auto* c_add = customer->add_subcommand("add", "Create a customer; prints only its id");
  c_add->add_option("--name", s.name, "Name")->required();
  c_add->add_option("--email", s.email, "Email (unique)")->required();
  c_add->callback([&exit_code] { exit_code = customer_add(s); });
  auto* c_list = customer->add_subcommand("list", "List customers: id, name, email");
  c_list->callback([&exit_code] { exit_code = customer_list(s); });
  auto* c_remove = customer->add_subcommand(
      "remove", "Remove a customer with their jobs, upload records, quotes, sessions and login codes");
  c_remove->add_option("--id", s.customer, "Customer id")->required();
  c_remove->callback([&exit_code] { exit_code = customer_remove(s); });

  auto* job = admin->add_subcommand("job", "Jobs");
  job->require_subcommand(1);
  auto* j_add = job->add_subcommand("add", "Create a job; prints only its id");
  j_add->add_option("--customer", s.customer, "Customer id")->required();
  j_add->add_option("--title", s.title, "Title")->required();
  j_add->add_option("--id", s.job_id, "Job id, [A-Za-z0-9_-]{1,64} (default: a random one)");
  j_add->add_option("--address", s.address, "Address");
  j_add->add_option("--scheduled", s.scheduled, "Scheduled date, YYYY-MM-DD");
  j_add->add_option("--status", s.status, "Status")->default_str("scheduled");
  j_add->callback([&exit_code] { exit_code = job_add(s); });
  auto* j_list = job->add_subcommand("list", "List jobs: id, customer, status, date, title");
  j_list->add_option("--customer", s.customer_filter, "Only this customer's jobs");
  j_list->callback([&exit_code] { exit_code = job_list(s); });

  auto* link = admin->add_subcommand("login-link", "Create a one-time login link (15 min); prints only the URL");
  auto* link_customer = link->add_option("--customer", s.customer, "Customer id");
  auto* link_staff = link->add_option("--staff", s.staff, "Staff id (a link to the staff page)");
  link_customer->excludes(link_staff);
  link->add_option("--base-url", s.base_url, "Dashboard URL")
      ->envname("DROPSLOT_PUBLIC_URL")
      ->default_str("http://127.0.0.1:8080/");
  link->callback([&exit_code, link_customer, link_staff] {
    exit_code = link_customer->count() + link_staff->count() == 0
                    ? fail_with("login-link needs --customer ID or --staff ID", 2)
                    : login_link(s);
  });

  auto* mig = admin->add_subcommand("migrate", "Create or migrate the database's tables (DynamoDB: PREFIX-main and its TTL)");
  mig->callback([&exit_code] { exit_code = migrate(s); });
  auto* schema = admin->add_subcommand(
      "dynamodb-schema", "Print the DynamoDB CreateTable input (JSON) for --database dynamodb://PREFIX (default prefix: dropslot)");
  schema->callback([&exit_code] { exit_code = dynamodb_schema(s); });

  auto* sessions = admin->add_subcommand("sessions", "Sessions");
  sessions->require_subcommand(1);
  auto* revoke = sessions->add_subcommand("revoke", "Revoke every session of a customer; prints how many");
  revoke->add_option("--customer", s.customer, "Customer id")->required();
  revoke->callback([&exit_code] { exit_code = sessions_revoke(s); });

  add_backup_commands(*admin, s.data_dir, s.database_url, exit_code);  // backup, restore (admin_backup.cpp)
  add_reconcile_command(*admin, s.data_dir, s.database_url, exit_code);
  add_shots_command(*admin, s.data_dir, s.database_url, exit_code);
}};

}  // namespace
}  // namespace dropslot::cli
