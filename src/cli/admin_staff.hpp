#pragma once
// `admin login-link --staff ID` (admin_staff.cpp), called from admin.cpp's login-link.
#include <cstdint>
#include <functional>
#include <string>

namespace dropslot::cli {

/// Creates a staff member's one-time login code on the database that `data_dir` /
/// `database_url` name and prints url_for(code); returns the exit code.
int staff_login_link(const std::string& data_dir, const std::string& database_url, std::int64_t id,
                     const std::function<std::string(const std::string& code)>& url_for);

}  // namespace dropslot::cli
