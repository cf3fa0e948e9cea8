// Target 5: the multipart/form-data parser of POST Object (store/form_data.hpp). Modes:
//   raw   - a Content-Type and any body in any pieces: the parser answers with a value,
//           never holds more than its limits, and hands on the file only once;
//   round - a form built from the input (fields, then the file, then fields S3
//           ignores), fed in random pieces, parses back to the same fields (names
//           lower-cased), the same filename and content type, and the file bytes
//           exactly.
#include <string>
#include <utility>
#include <vector>

#include "form_data.hpp"
#include "fuzz_check.hpp"
#include "dropslot/util/codec.hpp"

using namespace dropslot;

namespace {

struct seen {
  int file_begins = 0;
  std::vector<std::pair<std::string, std::string>> fields_at_file;
  std::string filename, content_type, file;
};

store::form_data_parser::handler handler_for(seen& s) {
  store::form_data_parser::handler h;
  h.on_file_begin = [&s](const auto& fields, std::string_view filename, std::string_view type) -> result<void> {
    ++s.file_begins;
    s.fields_at_file = fields;
    s.filename = filename;
    s.content_type = type;
    return {};
  };
  h.on_file_data = [&s](std::string_view bytes) -> result<void> {
    s.file.append(bytes);
    return {};
  };
  return h;
}

void raw_mode(FuzzedDataProvider& in) {
  auto boundary = store::form_boundary(in.ConsumeRandomLengthString(128));
  if (boundary) FUZZ_CHECK(!boundary->empty() && boundary->size() <= 200);
  seen s;
  store::form_data_parser p(boundary.value_or("b0undary"), handler_for(s));
  const std::string body = in.ConsumeRemainingBytesAsString();
  bool ok = true;
  fuzz::feed_in_pieces(in, body, [&](std::string_view piece) {
    ok = p.feed(piece).has_value();
    return ok;
  });
  if (ok) (void)p.finish();
  FUZZ_CHECK(s.file_begins <= 1);
  std::size_t field_bytes = 0;
  for (const auto& f : p.fields()) field_bytes += f.second.size();
  FUZZ_CHECK(field_bytes <= 64 * 1024);
}

void round_mode(FuzzedDataProvider& in) {
  const std::string boundary = "----" + fuzz::string_from(in, "abcXYZ0189'()+_,-./:=?", 40) + "B";
  const std::string delimiter = "\r\n--" + boundary;
  auto parsed_boundary = store::form_boundary("multipart/form-data; boundary=\"" + boundary + "\"");
  FUZZ_CHECK(parsed_boundary && *parsed_boundary == boundary);

  // Names and filenames as a browser sends them: no quote, CR or LF (it escapes those).
  auto attr = [&](std::size_t max) {
    std::string s = in.ConsumeRandomLengthString(max);
    for (char& c : s)
      if (c == '"' || c == '\r' || c == '\n' || c == '\0') c = '_';
    return s;
  };
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body = "--" + boundary;
  const std::size_t nf = in.ConsumeIntegralInRange<std::size_t>(0, 5);
  for (std::size_t i = 0; i < nf; ++i) {
    std::string name = attr(16);
    if (util::ascii_lower(name) == "file" || name.empty()) name = "x" + name;
    std::string value = in.ConsumeRandomLengthString(64);
    if ((value + delimiter).find(delimiter) != value.size())
      return;  // a value that holds the delimiter cannot be sent in this form
    body += "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + delimiter;
    fields.emplace_back(util::ascii_lower(name), value);
  }
  const std::string filename = attr(32), type = fuzz::string_from(in, "abcimage/jpeg+;= ", 24);
  std::string file = in.ConsumeRandomLengthString(2048);
  if ((file + delimiter).find(delimiter) != file.size()) return;
  body += "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n";
  std::string trimmed_type(type);
  while (!trimmed_type.empty() && trimmed_type.front() == ' ') trimmed_type.erase(0, 1);
  while (!trimmed_type.empty() && trimmed_type.back() == ' ') trimmed_type.pop_back();
  body += "Content-Type: " + type + "\r\n\r\n" + file + delimiter;
  body += "\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nignored" + delimiter + "--\r\n";

  seen s;
  store::form_data_parser p(boundary, handler_for(s));
  bool ok = true;
  fuzz::feed_in_pieces(in, body, [&](std::string_view piece) {
    ok = p.feed(piece).has_value();
    return ok;
  });
  FUZZ_CHECK(ok);
  FUZZ_CHECK(p.finish().has_value());
  FUZZ_CHECK(s.file_begins == 1);
  if (s.fields_at_file != fields) {
    for (const auto& [n, v] : fields) std::fprintf(stderr, "sent  [%s]=[%s]\n", n.c_str(), v.c_str());
    for (const auto& [n, v] : s.fields_at_file) std::fprintf(stderr, "parsed[%s]=[%s]\n", n.c_str(), v.c_str());
    std::fprintf(stderr, "boundary [%s]\n", boundary.c_str());
  }
  FUZZ_CHECK(s.fields_at_file == fields);
  FUZZ_CHECK(p.fields() == fields);  // the field after the file is ignored, as S3 does
  FUZZ_CHECK(s.file == file);
  FUZZ_CHECK(s.content_type == trimmed_type);
  FUZZ_CHECK(s.filename == filename);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool())
    round_mode(in);
  else
    raw_mode(in);
  return 0;
}
