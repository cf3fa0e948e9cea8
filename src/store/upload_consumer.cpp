#include "upload_consumer.hpp"

#include <algorithm>
#include <cstring>

#include "dropslot/store/s3_error.hpp"
#include "md5_pipeline.hpp"
#include "meta_encoding.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Bodies past this size take the block path: received in place into md5_pipeline's
// aligned blocks, hashed on its thread and written with O_DIRECT. Smaller ones are
// hashed inline and written buffered, where a thread and 8 MiB of blocks would cost
// more than they save.
constexpr std::uint64_t large_body = 8 * 1024 * 1024;

class upload_consumer final : public body_consumer {
 public:
  upload_consumer(store_engine& e, std::shared_ptr<request_ctx> ctx, std::unique_ptr<body_reader> reader,
                  temp_object body, std::uint64_t max, commit_fn commit, bool large)
      : e_(e), ctx_(std::move(ctx)), reader_(std::move(reader)), body_(std::move(body)), max_(max),
        commit_(std::move(commit)) {
    if (large) {
      blocks_ = std::make_unique<md5_pipeline>();
      body_.enable_direct();  // buffered writes when the filesystem refuses it
    }
  }

  std::span<char> receive_buffer() override {
    if (!blocks_) return {};
    if (!block_) {
      block_ = blocks_->next_block();
      fill_ = 0;
    }
    return {block_ + fill_, md5_pipeline::block_size - fill_};
  }

  result<void> write(std::string_view raw) override {
    if (!blocks_) return reader_->feed(raw, [this](std::string_view d) { return body_.write(d); });
    // `raw` was received in place (it starts at the block's free space) or comes from
    // elsewhere (bytes read with the request head) and is copied in.
    while (!raw.empty()) {
      auto space = receive_buffer();
      std::size_t n = std::min(raw.size(), space.size());
      if (raw.data() != space.data()) std::memcpy(space.data(), raw.data(), n);
      if (auto r = take(n); !r) return r;
      raw.remove_prefix(n);
    }
    return {};
  }

  s3_response finish(std::optional<error> write_error) override {
    if (write_error) return e_.error_response(*ctx_, *write_error);
    if (blocks_) {
      if (block_ && fill_)
        if (auto r = flush_block(); !r) return e_.error_response(*ctx_, r.error());
      reader_->set_md5(blocks_->finish());
    }
    if (auto r = reader_->finish(); !r) return e_.error_response(*ctx_, r.error());
    return e_.finish_response(*ctx_, commit_(std::move(body_), *reader_));
  }

  std::uint64_t max_body() const override { return max_; }

 private:
  // The `n` raw bytes at the block's fill point go through the reader. Decoded bytes
  // never run ahead of raw ones, so aws-chunked framing is squeezed out in place: each
  // decoded piece moves down to the fill point (identity bodies do not move at all).
  result<void> take(std::size_t n) {
    auto r = reader_->feed(std::string_view(block_ + fill_, n), [this](std::string_view d) -> result<void> {
      if (d.data() != block_ + fill_) std::memmove(block_ + fill_, d.data(), d.size());
      fill_ += d.size();
      return {};
    });
    if (!r) return r;
    if (fill_ == md5_pipeline::block_size) return flush_block();
    return {};
  }

  // The MD5 thread and the disk read the block at the same time; it is refilled only
  // after both (the write is synchronous, next_block waits for the hash).
  result<void> flush_block() {
    blocks_->hash(block_, fill_);
    auto r = body_.write(std::string_view(block_, fill_));
    block_ = nullptr;
    return r;
  }

  store_engine& e_;
  std::shared_ptr<request_ctx> ctx_;
  std::unique_ptr<body_reader> reader_;
  temp_object body_;
  std::uint64_t max_;
  commit_fn commit_;
  std::unique_ptr<md5_pipeline> blocks_;  // large bodies only
  char* block_ = nullptr;                 // being filled
  std::size_t fill_ = 0;                  // decoded bytes in block_
};

std::optional<std::uint64_t> content_length(const http::headers& h) {
  auto v = h.get("content-length");
  if (!v || v->empty() || v->size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// The items of a Content-Encoding value but aws-chunked, each kept with the separator
// that came before it in the header (the text since the item before it).
std::string without_aws_chunked(std::string_view sent) {
  sent = trim(sent);
  std::string out;
  std::size_t prev_end = 0;  // where the item before ended
  std::size_t pos = 0;
  for (;;) {
    auto comma = sent.find(',', pos);
    const std::size_t stop = comma == std::string_view::npos ? sent.size() : comma;
    std::string_view item = trim(sent.substr(pos, stop - pos));
    if (!item.empty()) {
      const auto start = static_cast<std::size_t>(item.data() - sent.data());
      if (util::ascii_lower(item) != "aws-chunked") {
        if (!out.empty()) out += sent.substr(prev_end, start - prev_end);
        out += item;
      }
      prev_end = start + item.size();
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

object_meta meta_from_headers(const http::headers& h, std::string key) {
  object_meta m;
  m.key = std::move(key);
  m.content_type = std::string(h.get("content-type").value_or("binary/octet-stream"));
  m.content_disposition = std::string(h.get("content-disposition").value_or(""));
  m.cache_control = std::string(h.get("cache-control").value_or(""));
  m.content_language = std::string(h.get("content-language").value_or(""));
  m.expires = std::string(h.get("expires").value_or(""));
  // aws-chunked is transport framing, not the stored object's encoding: it alone is
  // taken out; the rest stays as it was sent, separators included ("deflate, gzip").
  m.content_encoding = without_aws_chunked(h.get("content-encoding").value_or(""));
  for (const auto& f : h) {
    std::string name = util::ascii_lower(f.name);
    if (name.rfind("x-amz-meta-", 0) == 0) m.user_meta.emplace_back(name.substr(11), meta_value_to_store(f.value));
  }
  return m;
}

dispatch upload_body(store_engine& e, std::shared_ptr<request_ctx> ctx, std::uint64_t max_body, commit_fn commit) {
  // The raw length bounds the decoded one, so it alone decides (a body without one,
  // Transfer-Encoding: chunked, takes the small path).
  const bool large = content_length(ctx->head.headers).value_or(0) > large_body;
  auto reader = body_reader::make(ctx->auth, ctx->head.headers, large);
  if (!reader) {
    auto r = e.error_response(*ctx, reader.error());
    r.close = true;
    return respond(std::move(r));
  }
  auto temp = e.backend().new_temp();
  if (!temp) {
    auto r = e.error_response(*ctx, temp.error());
    r.close = true;
    return respond(std::move(r));
  }
  return dispatch{{}, std::make_unique<upload_consumer>(e, ctx, std::move(*reader), std::move(*temp), max_body,
                                                        std::move(commit), large)};
}

}  // namespace dropslot::store
