#pragma once
// A streaming multipart/form-data parser for POST Object (browser form uploads).
// Text fields are small and collected whole (bounded); the `file` field's content is
// handed on in pieces as it arrives, so a large upload never sits in memory. S3
// ignores fields after `file`, and so does this parser.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// The boundary parameter of a multipart/form-data Content-Type, or nullopt.
std::optional<std::string> form_boundary(std::string_view content_type);

class form_data_parser {
 public:
  struct handler {
    /// Called once, when the file part's headers are read and every field before it
    /// is known (field names lower-cased). An error stops the parse (policy failure).
    std::function<result<void>(const std::vector<std::pair<std::string, std::string>>& fields,
                               std::string_view filename, std::string_view content_type)>
        on_file_begin;
    std::function<result<void>(std::string_view bytes)> on_file_data;
  };

  explicit form_data_parser(std::string boundary, handler h);

  /// MalformedPOSTRequest for a broken body or a field over the size limits.
  result<void> feed(std::string_view in);
  /// MalformedPOSTRequest unless the closing boundary arrived after a file part.
  result<void> finish() const;

  bool file_complete() const { return file_done_; }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  enum class state { preamble, after_delimiter, part_headers, part_body, epilogue };
  result<void> on_headers(std::string_view raw);
  result<void> emit(std::string_view bytes);
  result<void> end_part();

  std::string delimiter_;  // "\r\n--boundary"
  handler handler_;
  state state_ = state::preamble;
  std::string buf_;
  bool in_file_ = false;
  bool file_done_ = false;
  std::string field_name_;
  std::string field_value_;
  std::size_t field_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace dropslot::store
