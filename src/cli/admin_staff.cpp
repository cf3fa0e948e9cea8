// `dropslot admin staff add|list|remove` and `admin login-link --staff ID` (DESIGN.md,
// "The company's side"): the company's people, on the database `serve` uses. Wiring
// only, as admin.cpp, whose `admin` command these join (registered after it: the
// registry runs in name order, and "admin-staff" sorts after "admin").
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <utility>
#include <string>

#include <dropslot/db/database.hpp>

#include "admin_staff.hpp"
#include "command.hpp"

namespace dropslot::cli {
namespace {

struct staff_settings {
  std::string name, email;
  std::int64_t id = 0;
};

db::timestamp now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

result<std::unique_ptr<db::database>> open(const std::string& data_dir, const std::string& url) {
  if (!url.empty()) return db::open_database(url);
  std::string data = data_dir.empty() ? "./data" : data_dir;
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  if (ec) return fail(db::db_errc::unavailable, "cannot create data dir " + data + ": " + ec.message());
  return db::open_database(db::default_database_url(data));
}

template <class F>
int with_staff(const std::string& data_dir, const std::string& url, F&& body) {
  auto d = open(data_dir, url);
  if (!d) return fail_with(d.error().message());
  auto* staff = (*d)->staff();
  if (!staff) return fail_with("the " + std::string((*d)->backend()) + " backend has no staff accounts yet");
  return body(**d, *staff);
}

// Runs `body` on the database that `admin`'s --data and --database name (its options,
// read when the command runs).
template <class F>
int with_staff(CLI::App& admin, F&& body) {
  return with_staff(admin.get_option("--data")->as<std::string>(), admin.get_option("--database")->as<std::string>(),
                    std::forward<F>(body));
}

int staff_add(CLI::App& admin, const staff_settings& s) {
  return with_staff(admin, [&](db::database&, db::staff_database& st) {
    auto m = st.create_staff(s.name, s.email, now());
    if (!m) {
      if (m.error().code == db::db_errc::conflict) return fail_with("a staff member with email " + s.email + " exists");
      return fail_with(m.error().message());
    }
    std::printf("%lld\n", static_cast<long long>(m->id));
    return 0;
  });
}

int staff_list(CLI::App& admin) {
  return with_staff(admin, [&](db::database&, db::staff_database& st) {
    auto all = st.list_staff();
    if (!all) return fail_with(all.error().message());
    for (const auto& m : *all) std::printf("%lld\t%s\t%s\n", static_cast<long long>(m.id), m.name.c_str(), m.email.c_str());
    return 0;
  });
}

int staff_remove(CLI::App& admin, const staff_settings& s) {
  return with_staff(admin, [&](db::database&, db::staff_database& st) {
    auto removed = st.delete_staff(s.id, now());
    if (!removed) return fail_with(removed.error().message());
    if (!*removed) return fail_with("no staff member with id " + std::to_string(s.id));
    return 0;
  });
}

const registrar reg{"admin-staff", [](CLI::App& app, int& exit_code) {
  static staff_settings s;
  static std::int64_t link_staff = 0;
  CLI::App* admin = app.get_subcommand("admin");
  auto* staff = admin->add_subcommand("staff", "Staff accounts (the company's people)");
  staff->require_subcommand(1);
  auto* add = staff->add_subcommand("add", "Create a staff account; prints only its id");
  add->add_option("--name", s.name, "Name")->required();
  add->add_option("--email", s.email, "Email (unique among staff)")->required();
  add->callback([&exit_code, admin] { exit_code = staff_add(*admin, s); });
  auto* list = staff->add_subcommand("list", "List staff: id, name, email");
  list->callback([&exit_code, admin] { exit_code = staff_list(*admin); });
  auto* remove = staff->add_subcommand("remove", "Remove a staff account, its sessions and codes; revokes its share links");
  remove->add_option("--id", s.id, "Staff id")->required();
  remove->callback([&exit_code, admin] { exit_code = staff_remove(*admin, s); });

}};

}  // namespace

int staff_login_link(const std::string& data_dir, const std::string& database_url, std::int64_t id,
                     const std::function<std::string(const std::string& code)>& url_for) {
  return with_staff(data_dir, database_url, [&](db::database&, db::staff_database& st) {
    auto code = st.create_staff_login_code(id, now());
    if (!code) {
      if (code.error().code == db::db_errc::not_found) return fail_with("no staff member with id " + std::to_string(id));
      return fail_with(code.error().message());
    }
    std::printf("%s\n", url_for(code->code).c_str());
    return 0;
  });
}

}  // namespace dropslot::cli
