// `dropslot presign s3://BUCKET/KEY`: prints a presigned URL, like `aws s3 presign`
// (DESIGN.md, CLI). Wiring only: flags and the environment in, sigv4 out.
// `--explain` also prints the canonical request and the string to sign, which is
// what a user chasing a SignatureDoesNotMatch needs to compare with the server's.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <dropslot/s3/credentials.hpp>
#include <dropslot/sigv4/signer.hpp>
#include <dropslot/util/codec.hpp>

#include "command.hpp"

namespace dropslot::cli {
namespace {

struct presign_settings {
  std::string target;
  std::string method = "GET";
  long long expires = 3600;  // the `aws s3 presign` default
  std::string region;
  std::string endpoint;
  std::string content_type;
  std::optional<unsigned long long> content_length;
  std::vector<std::string> headers;
  std::string date;
  bool explain = false;
};


int run(const presign_settings& s) {
  const s3::env_lookup env = s3::process_environment();

  // s3://bucket/key (the key may hold any character, including '/' and spaces).
  std::string_view target = s.target;
  if (!target.starts_with("s3://")) return fail_with("target must look like s3://BUCKET/KEY, got " + s.target, 2);
  target.remove_prefix(5);
  std::size_t slash = target.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == target.size())
    return fail_with("target must look like s3://BUCKET/KEY, got " + s.target, 2);

  sigv4::object_presign p;
  p.method = s.method;
  p.bucket = std::string(target.substr(0, slash));
  p.key = std::string(target.substr(slash + 1));
  p.region = !s.region.empty() ? s.region : s3::region_from_env(env).value_or("us-east-1");
  // A custom endpoint means path-style addressing (automatic style), as in the AWS CLI.
  p.endpoint = !s.endpoint.empty() ? s.endpoint : env("AWS_ENDPOINT_URL_S3").value_or(env("AWS_ENDPOINT_URL").value_or(""));
  p.expires = std::chrono::seconds(s.expires);

  if (!s.content_type.empty()) p.headers.push_back({"content-type", s.content_type});
  if (s.content_length) p.headers.push_back({"content-length", std::to_string(*s.content_length)});
  for (const std::string& h : s.headers) {
    std::size_t colon = h.find(':');
    if (colon == std::string::npos || util::trim_ows(std::string_view(h).substr(0, colon)).empty())
      return fail_with("--header must look like 'Name: value', got '" + h + "'", 2);
    p.headers.push_back({std::string(util::trim_ows(std::string_view(h).substr(0, colon))),
                         std::string(util::trim_ows(std::string_view(h).substr(colon + 1)))});
  }

  if (!s.date.empty()) {
    auto t = sigv4::parse_amz_date(s.date);
    if (!t) return fail_with("--date must look like 20260105T101500Z, got " + s.date, 2);
    p.time = *t;
  } else {
    p.time = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }

  auto creds = s3::default_credentials(env);
  if (!creds) return fail_with(creds.error().message());
  p.credentials = std::move(*creds);
  // A URL must not outlive temporary credentials whose end is known (DESIGN.md, Security).
  if (p.credentials.expiry) {
    if (*p.credentials.expiry <= p.time) return fail_with("the AWS credentials have expired");
    if (p.time + p.expires > *p.credentials.expiry) {
      p.expires = *p.credentials.expiry - p.time;
      std::fprintf(stderr, "dropslot: expiry shortened to %lld s, when the credentials expire\n",
                   static_cast<long long>(p.expires.count()));
    }
  }

  sigv4::signing_trace trace;
  auto url = sigv4::presign_object(p, nullptr, s.explain ? &trace : nullptr);
  if (!url) return fail_with(url.error().message(), url.error().code == sigv4::sigv4_errc::invalid_expiry ? 2 : 1);

  std::printf("%s\n", url->url.c_str());
  if (s.explain) {
    std::printf("\nCanonical request:\n%s\n\nString to sign:\n%s\n\nSignature:\n%s\n", trace.canonical_request.c_str(),
                trace.string_to_sign.c_str(), trace.signature.c_str());
  }
  if (!url->headers.empty()) {
    // These are signed: the request fails unless it carries them exactly.
    std::string note = "dropslot: send these headers with the request:";
    for (const auto& h : url->headers) note += " '" + h.name + ": " + h.value + "'";
    std::fprintf(stderr, "%s\n", note.c_str());
  }
  return 0;
}

const registrar reg{"presign", [](CLI::App& app, int& exit_code) {
  auto s = std::make_shared<presign_settings>();
  auto* cmd = app.add_subcommand("presign", "Print a presigned URL for s3://BUCKET/KEY (like `aws s3 presign`)");
  cmd->add_option("target", s->target, "s3://BUCKET/KEY")->required();
  cmd->add_option("--method", s->method, "HTTP method the URL is for")
      ->check(CLI::IsMember({"GET", "PUT", "HEAD", "DELETE"}));
  cmd->add_option("--expires", s->expires, "Seconds the URL stays valid (1..604800)")->capture_default_str();
  cmd->add_option("--region", s->region, "Region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)");
  cmd->add_option("--endpoint", s->endpoint, "S3 endpoint URL (default: AWS_ENDPOINT_URL_S3, else AWS)");
  cmd->add_option("--content-type", s->content_type, "Sign a Content-Type the client must send");
  cmd->add_option("--content-length", s->content_length, "Sign a Content-Length the client must send");
  // One value per --header, so `--header 'A: 1' s3://b/k` does not swallow the target.
  cmd->add_option("--header", s->headers, "Sign an extra header, 'Name: value' (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--date", s->date, "Signing time, YYYYMMDDTHHMMSSZ (default: now)");
  cmd->add_flag("--explain", s->explain, "Also print the canonical request and the string to sign");
  cmd->callback([s, &exit_code] { exit_code = run(*s); });
}};

}  // namespace
}  // namespace dropslot::cli
