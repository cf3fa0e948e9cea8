// The libcurl transport behind the public http_transport interface.
#include "dropslot/s3/http_transport.hpp"

#include "transport.hpp"

namespace dropslot::s3 {
namespace {

class curl_http_transport final : public http_transport {
 public:
  curl_http_transport(std::chrono::milliseconds connect, std::chrono::milliseconds total) : curl_(connect, total) {}

  result<http_response> perform(const http_request& r) override {
    detail::wire_request wr;
    wr.method = r.method;
    wr.url = r.url;
    wr.headers = r.headers;
    wr.body = r.body;
    auto w = curl_.perform(wr);
    if (!w) return fail(std::move(w).error());
    return http_response{w->status, std::move(w->headers), std::move(w->body)};
  }

 private:
  detail::transport curl_;
};

}  // namespace

std::unique_ptr<http_transport> make_curl_transport(std::chrono::milliseconds connect,
                                                    std::chrono::milliseconds total) {
  return std::make_unique<curl_http_transport>(connect, total);
}

}  // namespace dropslot::s3
