// The adapter's own cost per invocation, without I/O: an API Gateway event parsed
// into an http::request, and a response serialized back (docs/benchmarks/lambda.md).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "dropslot/lambda/event.hpp"

namespace {

using namespace dropslot;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(DROPSLOT_SHARED_DIR) + "/testdata/apigw/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void parse_rest_v1(benchmark::State& state) {
  std::string text = fixture("aws-lambda-go/apigw-request.json");
  for (auto _ : state) benchmark::DoNotOptimize(lambda::parse_event(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(parse_rest_v1);

void parse_http_v2(benchmark::State& state) {
  std::string text = fixture("aws-lambda-go/apigw-v2-request-iam.json");
  for (auto _ : state) benchmark::DoNotOptimize(lambda::parse_event(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(parse_http_v2);

http::response upload_grant() {
  http::response res;
  res.headers.add("Content-Type", "application/json");
  res.headers.add("Cache-Control", "no-store");
  res.body = R"({"url":"https://uploads.s3.us-east-1.amazonaws.com/jobs/J1/photo-001.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261129T051500Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","method":"PUT","headers":{"content-type":"image/jpeg","content-length":"1024","if-none-match":"*"},"key":"jobs/J1/photo-001.jpg","expires_at":"2026-11-29T05:30:00Z","expires_in":900})";
  return res;
}

void format_rest_v1(benchmark::State& state) {
  auto res = upload_grant();
  for (auto _ : state) benchmark::DoNotOptimize(lambda::format_response(res, lambda::payload_format::rest_v1));
}
BENCHMARK(format_rest_v1);

void format_http_v2(benchmark::State& state) {
  auto res = upload_grant();
  res.headers.add("Set-Cookie", "dropslot_session=abc; HttpOnly; Secure; SameSite=Strict; Path=/");
  for (auto _ : state) benchmark::DoNotOptimize(lambda::format_response(res, lambda::payload_format::http_v2));
}
BENCHMARK(format_http_v2);

}  // namespace
