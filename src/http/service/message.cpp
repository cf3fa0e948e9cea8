#include "dropslot/http/message.hpp"

#include <algorithm>
#include <cstdint>

namespace dropslot::http {

std::optional<std::string_view> headers::get(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return std::string_view(f.value);
  return std::nullopt;
}

std::vector<std::string_view> headers::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields_)
    if (iequals(f.name, name)) out.emplace_back(f.value);
  return out;
}

void headers::add(std::string name, std::string value) { fields_.push_back({std::move(name), std::move(value)}); }

void headers::set(std::string name, std::string value) {
  erase(name);
  add(std::move(name), std::move(value));
}

void headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const field& f) { return iequals(f.name, name); });
}

std::optional<std::string> request::query_param(std::string_view name) const {
  // A query with a bad escape has no parameters: nothing in it is what the client meant.
  auto pairs = util::parse_query(query, /*plus_is_space=*/true);
  if (!pairs) return std::nullopt;
  for (util::query_pair& p : *pairs)
    if (p.name == name) return std::move(p.value);
  return std::nullopt;
}

std::optional<std::string> request::cookie(std::string_view name) const {
  for (auto line : headers.get_all("Cookie")) {
    while (!line.empty()) {
      auto semi = line.find(';');
      std::string_view pair = util::trim_ows(line.substr(0, semi));
      line = semi == std::string_view::npos ? std::string_view{} : line.substr(semi + 1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && util::trim_ows(pair.substr(0, eq)) == name) {
        auto v = util::trim_ows(pair.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return std::string(v);
      }
    }
  }
  return std::nullopt;
}

}  // namespace dropslot::http
