#include "dropslot/store/cors.hpp"

#include <pugixml.hpp>

#include <sstream>

#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// S3 allows one '*' anywhere in an AllowedOrigin/AllowedHeader ("https://*.example.com").
bool wildcard_match(std::string_view pattern, std::string_view value, bool case_insensitive) {
  std::string p = case_insensitive ? util::ascii_lower(pattern) : std::string(pattern);
  std::string v = case_insensitive ? util::ascii_lower(value) : std::string(value);
  auto star = p.find('*');
  if (star == std::string::npos) return p == v;
  std::string_view head = std::string_view(p).substr(0, star), tail = std::string_view(p).substr(star + 1);
  return v.size() >= head.size() + tail.size() && v.compare(0, head.size(), head) == 0 &&
         v.compare(v.size() - tail.size(), tail.size(), tail) == 0;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

std::optional<cors_grant> match_cors(const std::vector<cors_rule>& rules, std::string_view origin,
                                     std::string_view method, std::string_view request_headers) {
  if (origin.empty()) return std::nullopt;
  for (const auto& rule : rules) {
    bool origin_ok = false;
    for (const auto& o : rule.allowed_origins) origin_ok = origin_ok || wildcard_match(o, origin, false);
    if (!origin_ok) continue;
    bool method_ok = false;
    for (const auto& m : rule.allowed_methods) method_ok = method_ok || m == method;
    if (!method_ok) continue;
    bool headers_ok = true;
    std::string_view rest = request_headers;
    while (headers_ok && !rest.empty()) {
      auto comma = rest.find(',');
      std::string_view h = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (h.empty()) continue;
      bool one = false;
      for (const auto& a : rule.allowed_headers) one = one || wildcard_match(a, h, true);
      headers_ok = one;
    }
    if (!headers_ok) continue;
    cors_grant g;
    bool any_origin = rule.allowed_origins.size() == 1 && rule.allowed_origins[0] == "*";
    g.allow_origin = any_origin ? "*" : std::string(origin);
    g.allow_methods = join(rule.allowed_methods);
    g.allow_headers = util::ascii_lower(trim(request_headers));
    g.expose_headers = join(rule.expose_headers);
    g.max_age_seconds = rule.max_age_seconds;
    return g;
  }
  return std::nullopt;
}

result<std::vector<cors_rule>> parse_cors_xml(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return fail(s3_errc::malformed_xml);
  auto root = doc.child("CORSConfiguration");
  if (!root) return fail(s3_errc::malformed_xml);
  std::vector<cors_rule> rules;
  for (auto r : root.children("CORSRule")) {
    cors_rule rule;
    for (auto n : r.children("AllowedOrigin")) rule.allowed_origins.emplace_back(n.text().get());
    for (auto n : r.children("AllowedMethod")) {
      std::string m = n.text().get();
      if (m != "GET" && m != "PUT" && m != "POST" && m != "DELETE" && m != "HEAD")
        return fail(s3_errc::invalid_request, "Found unsupported HTTP method in CORS config. Unsupported method is " + m);
      rule.allowed_methods.push_back(std::move(m));
    }
    for (auto n : r.children("AllowedHeader")) rule.allowed_headers.emplace_back(n.text().get());
    for (auto n : r.children("ExposeHeader")) rule.expose_headers.emplace_back(n.text().get());
    if (auto n = r.child("MaxAgeSeconds")) rule.max_age_seconds = n.text().as_int();
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) return fail(s3_errc::malformed_xml);
    rules.push_back(std::move(rule));
  }
  if (rules.empty() || rules.size() > 100) return fail(s3_errc::malformed_xml);
  return rules;
}

std::string cors_to_xml(const std::vector<cors_rule>& rules) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("CORSConfiguration");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (const auto& rule : rules) {
    auto r = root.append_child("CORSRule");
    for (const auto& v : rule.allowed_headers) r.append_child("AllowedHeader").text() = v.c_str();
    for (const auto& v : rule.allowed_methods) r.append_child("AllowedMethod").text() = v.c_str();
    for (const auto& v : rule.allowed_origins) r.append_child("AllowedOrigin").text() = v.c_str();
    for (const auto& v : rule.expose_headers) r.append_child("ExposeHeader").text() = v.c_str();
    if (rule.max_age_seconds) r.append_child("MaxAgeSeconds").text() = *rule.max_age_seconds;
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace dropslot::store
