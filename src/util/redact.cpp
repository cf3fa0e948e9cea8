#include <dropslot/util/redact.hpp>

#include <dropslot/util/codec.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace dropslot::util {
namespace {

constexpr std::string_view mask = "***";

bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.';
}

// Where a URL quoted in prose ends: white space or a quote.
bool ends_url(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '`'; }

bool contains_password_word(std::string_view s) { return ascii_lower(s).find("password") != std::string::npos; }

// One URL-looking word ("scheme://..."), redacted.
std::string redact_url(std::string_view word, std::size_t scheme_end) {
  auto parsed = boost::urls::parse_uri(boost::urls::string_view(word.data(), word.size()));
  // Two '@' in the authority: libpq splits at the first, other parsers at the last; mask
  // the lot rather than guess which part is the password.
  const std::string_view authority = word.substr(scheme_end + 3, word.find_first_of("/?#", scheme_end + 3));
  if (!parsed || authority.find('@') != authority.rfind('@')) {
    if (word.find('@') == std::string_view::npos && !contains_password_word(word)) return std::string(word);
    return std::string(word.substr(0, scheme_end + 3)).append(mask);
  }
  boost::urls::url u(*parsed);
  if (u.has_password()) u.set_password(mask);
  // libpq reads `password` from the query too; a key is matched as libpq does, decoded.
  auto params = u.encoded_params();
  for (auto it = params.begin(); it != params.end(); ++it) {
    const auto p = *it;
    if (p.has_value && iequals(p.key.decode(), "password"))
      it = params.replace(it, boost::urls::param_pct_view(p.key, boost::urls::string_view(mask.data(), mask.size())));
  }
  return std::string(u.buffer());
}

// libpq key=value conninfo: `password = value`, the value bare up to white space or
// single-quoted with backslash escapes.
std::string redact_conninfo(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t at = ascii_lower(text.substr(i)).find("password");
    if (at == std::string::npos) break;
    const std::size_t key = i + at;
    std::size_t p = key + 8;
    // A whole word: not "db_password", and followed by optional spaces and '='.
    const bool word_start = key == 0 || !(is_scheme_char(text[key - 1]) || text[key - 1] == '_');
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    if (!word_start || p >= text.size() || text[p] != '=') {
      out.append(text.substr(i, key + 8 - i));
      i = key + 8;
      continue;
    }
    ++p;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    std::size_t end = p;
    if (end < text.size() && text[end] == '\'') {
      ++end;
      while (end < text.size() && text[end] != '\'') end += text[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, text.size());
    } else {
      while (end < text.size() && !ends_url(text[end]) && text[end] != '&') ++end;
    }
    out.append(text.substr(i, p - i)).append(mask);
    i = end;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

}  // namespace

std::string redact_passwords(std::string_view text) {
  std::string out;
  std::size_t done = 0;  // text[0, done) is in out
  std::size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string_view::npos) {
    std::size_t start = pos;
    while (start > done && is_scheme_char(text[start - 1])) --start;
    std::size_t end = pos + 3;
    while (end < text.size() && !ends_url(text[end])) ++end;
    if (start == pos) {  // "://" with no scheme: not a URL
      pos += 3;
      continue;
    }
    out.append(redact_conninfo(text.substr(done, start - done)));
    out.append(redact_url(text.substr(start, end - start), pos - start));
    done = pos = end;
  }
  out.append(redact_conninfo(text.substr(done)));
  return out;
}

}  // namespace dropslot::util
