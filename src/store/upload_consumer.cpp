#include "upload_consumer.hpp"

#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

class upload_consumer final : public body_consumer {
 public:
  upload_consumer(store_engine& e, std::shared_ptr<request_ctx> ctx, std::unique_ptr<body_reader> reader,
                  temp_file body, std::uint64_t max, commit_fn commit)
      : e_(e), ctx_(std::move(ctx)), reader_(std::move(reader)), body_(std::move(body)), max_(max),
        commit_(std::move(commit)) {}

  result<void> write(std::string_view raw) override {
    return reader_->feed(raw, [this](std::string_view d) { return body_.write(d); });
  }

  s3_response finish(std::optional<error> write_error) override {
    if (write_error) return e_.error_response(*ctx_, *write_error);
    if (auto r = reader_->finish(); !r) return e_.error_response(*ctx_, r.error());
    return e_.finish_response(*ctx_, commit_(std::move(body_), *reader_));
  }

  std::uint64_t max_body() const override { return max_; }

 private:
  store_engine& e_;
  std::shared_ptr<request_ctx> ctx_;
  std::unique_ptr<body_reader> reader_;
  temp_file body_;
  std::uint64_t max_;
  commit_fn commit_;
};

}  // namespace

object_meta meta_from_headers(const http::headers& h, std::string key) {
  object_meta m;
  m.key = std::move(key);
  m.content_type = std::string(h.get("content-type").value_or("binary/octet-stream"));
  m.content_disposition = std::string(h.get("content-disposition").value_or(""));
  m.cache_control = std::string(h.get("cache-control").value_or(""));
  m.content_language = std::string(h.get("content-language").value_or(""));
  m.expires = std::string(h.get("expires").value_or(""));
  // aws-chunked is transport framing, not the stored object's encoding.
  std::string enc;
  std::string_view rest = h.get("content-encoding").value_or("");
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty() || lower(item) == "aws-chunked") continue;
    if (!enc.empty()) enc += ",";
    enc += item;
  }
  m.content_encoding = enc;
  for (const auto& f : h) {
    std::string name = lower(f.name);
    if (name.rfind("x-amz-meta-", 0) == 0) m.user_meta.emplace_back(name.substr(11), f.value);
  }
  return m;
}

dispatch upload_body(store_engine& e, std::shared_ptr<request_ctx> ctx, std::uint64_t max_body, commit_fn commit) {
  auto reader = body_reader::make(ctx->auth, ctx->head.headers);
  if (!reader) {
    auto r = e.error_response(*ctx, reader.error());
    r.close = true;
    return respond(std::move(r));
  }
  auto temp = e.disk().new_temp();
  if (!temp) {
    auto r = e.error_response(*ctx, temp.error());
    r.close = true;
    return respond(std::move(r));
  }
  return dispatch{{}, std::make_unique<upload_consumer>(e, ctx, std::move(*reader), std::move(*temp), max_body,
                                                        std::move(commit))};
}

}  // namespace dropslot::store
