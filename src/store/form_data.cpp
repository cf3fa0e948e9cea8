#include "form_data.hpp"

#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {
// Browsers send a few short fields (key, policy, signature, x-amz-*): 64 KiB in all is
// generous and keeps a hostile form from filling memory.
constexpr std::size_t max_field_bytes = 64 * 1024;
constexpr std::size_t max_header_bytes = 8 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `name` in a header like `form-data; name="key"; filename="a.jpg"`.
// Items end at a ';' outside a quoted string, so a quoted value may hold ';' anywhere
// (`filename=";a.jpg"`) and what it holds is never read as another parameter.
std::optional<std::string> header_param(std::string_view header, std::string_view name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = pos;
    for (bool quoted = false; end < header.size(); ++end) {
      if (header[end] == '"') quoted = !quoted;
      else if (header[end] == ';' && !quoted) break;
    }
    std::string_view item = trim(header.substr(pos, end - pos));
    pos = end + 1;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (util::ascii_lower(trim(item.substr(0, eq))) != name) continue;
    std::string_view v = trim(item.substr(eq + 1));
    if (!v.empty() && v.front() == '"') {
      if (v.size() < 2 || v.back() != '"') return std::nullopt;  // unterminated
      return std::string(v.substr(1, v.size() - 2));
    }
    return std::string(v);
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string> form_boundary(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (util::ascii_lower(trim(content_type.substr(0, semi))) != "multipart/form-data") return std::nullopt;
  if (semi == std::string_view::npos) return std::nullopt;
  auto b = header_param(content_type.substr(semi + 1), "boundary");
  if (!b || b->empty() || b->size() > 200) return std::nullopt;
  return b;
}

form_data_parser::form_data_parser(std::string boundary, handler h)
    : delimiter_("\r\n--" + boundary), handler_(std::move(h)) {
  // The first boundary has no preceding CRLF; pretend it had one.
  buf_ = "\r\n";
}

result<void> form_data_parser::emit(std::string_view bytes) {
  if (in_file_) return handler_.on_file_data(bytes);
  field_bytes_ += bytes.size();
  if (field_bytes_ > max_field_bytes) return fail(s3_errc::malformed_post_request, "form fields too large");
  field_value_.append(bytes);
  return {};
}

result<void> form_data_parser::end_part() {
  if (in_file_) {
    in_file_ = false;
    file_done_ = true;
  } else if (!file_done_) {
    fields_.emplace_back(util::ascii_lower(field_name_), std::move(field_value_));
  }
  field_value_.clear();
  return {};
}

result<void> form_data_parser::on_headers(std::string_view raw) {
  std::optional<std::string> disposition, type;
  while (!raw.empty()) {
    auto nl = raw.find("\r\n");
    std::string_view line = raw.substr(0, nl);
    raw = nl == std::string_view::npos ? std::string_view{} : raw.substr(nl + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = util::ascii_lower(trim(line.substr(0, colon)));
    if (name == "content-disposition") disposition = std::string(trim(line.substr(colon + 1)));
    if (name == "content-type") type = std::string(trim(line.substr(colon + 1)));
  }
  if (!disposition) return fail(s3_errc::malformed_post_request, "part without Content-Disposition");
  auto name = header_param(*disposition, "name");
  if (!name) return fail(s3_errc::malformed_post_request, "part without a name");
  field_name_ = *name;
  in_file_ = false;
  if (!file_done_ && util::ascii_lower(*name) == "file") {
    in_file_ = true;
    auto filename = header_param(*disposition, "filename").value_or("");
    if (auto r = handler_.on_file_begin(fields_, filename, type.value_or("")); !r) return r;
  }
  return {};
}

result<void> form_data_parser::feed(std::string_view in) {
  buf_.append(in);
  for (;;) {
    switch (state_) {
      case state::preamble:
      case state::part_body: {
        auto at = buf_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep a tail that could still begin a delimiter; hand on the rest.
          std::size_t keep = std::min(buf_.size(), delimiter_.size() - 1);
          std::size_t emit_n = buf_.size() - keep;
          if (state_ == state::part_body && emit_n) {
            if (auto r = emit(std::string_view(buf_).substr(0, emit_n)); !r) return r;
          }
          buf_.erase(0, emit_n);
          if (state_ == state::preamble && buf_.size() > max_header_bytes)
            return fail(s3_errc::malformed_post_request, "no boundary");
          return {};
        }
        if (state_ == state::part_body) {
          if (auto r = emit(std::string_view(buf_).substr(0, at)); !r) return r;
          if (auto r = end_part(); !r) return r;
        }
        buf_.erase(0, at + delimiter_.size());
        state_ = state::after_delimiter;
        break;
      }
      case state::after_delimiter: {
        if (buf_.size() < 2) return {};
        if (buf_.compare(0, 2, "--") == 0) {
          state_ = state::epilogue;
          buf_.clear();
          return {};
        }
        auto nl = buf_.find("\r\n");
        if (nl == std::string::npos) {
          if (buf_.size() > 256) return fail(s3_errc::malformed_post_request, "bad boundary line");
          return {};
        }
        buf_.erase(0, nl + 2);  // transport padding after the boundary is allowed
        state_ = state::part_headers;
        break;
      }
      case state::part_headers: {
        auto end = buf_.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (buf_.size() > max_header_bytes) return fail(s3_errc::malformed_post_request, "part headers too large");
          return {};
        }
        if (auto r = on_headers(std::string_view(buf_).substr(0, end)); !r) return r;
        buf_.erase(0, end + 4);
        state_ = state::part_body;
        break;
      }
      case state::epilogue:
        buf_.clear();
        return {};
    }
  }
}

result<void> form_data_parser::finish() const {
  if (state_ != state::epilogue) return fail(s3_errc::malformed_post_request, "body ended before the closing boundary");
  if (!file_done_) return fail(s3_errc::invalid_argument, "POST requires exactly one file upload per request.");
  return {};
}

}  // namespace dropslot::store
