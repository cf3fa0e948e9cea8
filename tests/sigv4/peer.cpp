#include "peer.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace dropslot::sigv4::peer {
namespace json = boost::json;

object_presign to_object_presign(const presign_input& in) {
  object_presign p;
  p.method = in.method;
  p.bucket = in.bucket;
  p.key = in.key;
  p.region = in.region;
  if (in.style == "path") p.style = addressing_style::path;
  if (in.style == "virtual") {
    // botocore's forced virtual style on AWS keeps the regional host.
    p.style = addressing_style::virtual_hosted;
  }
  p.endpoint = in.endpoint;
  p.credentials.access_key = access_key_id(in.access_key);
  p.credentials.secret = secret_access_key(in.secret_key);
  if (!in.token.empty()) p.credentials.token = session_token(in.token);
  p.expires = std::chrono::seconds(in.expires);
  p.time = *parse_amz_date(in.time);
  if (!in.content_type.empty()) p.headers.push_back({"content-type", in.content_type});
  for (const auto& [k, v] : in.meta) p.headers.push_back({"x-amz-meta-" + k, v});
  if (!in.response_content_disposition.empty())
    p.query.push_back({"response-content-disposition", in.response_content_disposition});
  return p;
}

namespace {

std::string pick(std::mt19937& rng, const std::vector<std::string>& v) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

// Key fragments: the characters the issue names (space + = @ ~ % //), reserved
// punctuation, and UTF-8 of 2, 3 and 4 bytes.
const std::vector<std::string> fragments = {
    "photo", "a b", "c+d", "e=f", "user@example.com", "~tilde", "100%", "%20", "x//y", "jobs/", "dir/",
    "é", "日本語", "😀", "Ω", "semi;colon", "comma,", "q?mark", "hash#", "amp&", "dollar$", "paren()",
    "star*", "quote'", "bang!", "colon:", "bracket[]", "caret^", "back`tick", "brace{}", "pipe|", "-_.",
    "UPPER", "0123", "tab\t", "plus+plus", "  spaces  "};

}  // namespace

std::vector<presign_input> generate_inputs(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> regions = {"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1",
                                            "sa-east-1", "ap-northeast-1"};
  const std::vector<std::string> dns_buckets = {"my-bucket", "uploads", "b12", "field-service-photos", "x-y-z-0"};
  const std::vector<std::string> other_buckets = {"my.bucket", "Upper_Case", "dots.and-dashes", "under_score"};
  const std::vector<std::string> methods = {"GET", "PUT", "HEAD", "DELETE"};
  const std::vector<std::string> secrets = {"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "s3cr3t+with=odd/chars",
                                            "0123456789abcdef0123456789abcdef01234567"};
  std::vector<presign_input> out;
  for (std::size_t i = 0; i < n; ++i) {
    presign_input in;
    // Independent of the style below (i % 4), so every method meets every style.
    in.method = methods[(i / 4 + i) % methods.size()];
    in.region = pick(rng, regions);
    switch (i % 4) {
      case 0:
        in.style = "path";
        in.bucket = pick(rng, rng() % 2 ? dns_buckets : other_buckets);
        break;
      case 1:
        // Forced virtual-hosted style against the regional endpoint.
        in.style = "virtual";
        in.bucket = pick(rng, dns_buckets);
        in.endpoint = "https://s3." + in.region + ".amazonaws.com";
        break;
      case 2:
        // A custom endpoint (the embedded store): path style.
        in.style = "endpoint";
        in.bucket = pick(rng, dns_buckets);
        in.endpoint = rng() % 2 ? "http://127.0.0.1:9000" : "https://minio.example.test:8443";
        break;
      default:
        // Automatic addressing on AWS; botocore keeps the global host only in us-east-1.
        in.style = "auto";
        in.region = "us-east-1";
        in.bucket = pick(rng, dns_buckets);
        break;
    }
    // Keys: 1..6 fragments, a 1,024-byte key every 50th input.
    if (i % 50 == 7) {
      in.key = "long/";
      while (in.key.size() < 1024) in.key += pick(rng, {"a", "b/", "é", "c d", "+"});
      while (in.key.size() > 1024) in.key.pop_back();
      // Do not cut a UTF-8 sequence in half.
      while (!in.key.empty() && (static_cast<unsigned char>(in.key.back()) & 0xC0) == 0x80) in.key.pop_back();
      while (!in.key.empty() && static_cast<unsigned char>(in.key.back()) >= 0xC0) in.key.pop_back();
    } else {
      int parts = 1 + static_cast<int>(rng() % 6);
      for (int p = 0; p < parts; ++p) {
        if (p > 0) in.key += rng() % 3 ? "/" : "";
        in.key += pick(rng, fragments);
      }
    }
    in.access_key = "AKIA" + std::to_string(100000 + i % 7);
    in.secret_key = secrets[i % secrets.size()];
    if (i % 3 == 1) in.token = "FQoGZXIvYXdzE" + std::to_string(i) + "/+=token";
    in.expires = std::vector<long long>{1, 60, 900, 3600, 86400, 604800}[rng() % 6];
    auto t = std::chrono::sys_seconds(std::chrono::seconds(1577836800LL + static_cast<long long>(rng() % 200000000)));
    in.time = amz_date(t);
    if (in.method == "PUT" && rng() % 2) in.content_type = pick(rng, {"image/jpeg", "text/plain; charset=utf-8", "application/octet-stream"});
    if (in.method == "PUT" && rng() % 3 == 0) in.meta["job"] = "J-" + std::to_string(i);
    if (in.method == "GET" && rng() % 4 == 0) in.response_content_disposition = "attachment; filename=\"a b.jpg\"";
    out.push_back(std::move(in));
  }
  return out;
}

temp_dir::temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "dropslot-sigv4-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}
temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

process_result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  temp_dir dir;
  const std::string out_path = (dir.path / "out").string(), err_path = (dir.path / "err").string();
  process_result r;
  pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> a, v;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    for (const auto& s : env) v.push_back(const_cast<char*>(s.c_str()));
    v.push_back(nullptr);
    ::execve(a[0], a.data(), v.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

std::optional<std::vector<std::string>> botocore_urls(const std::vector<presign_input>& inputs, std::string& why) {
  temp_dir dir;
  const auto in_path = dir.path / "in.jsonl", out_path = dir.path / "out.jsonl";
  {
    std::ofstream f(in_path, std::ios::binary);
    for (const presign_input& in : inputs) {
      json::object o{{"method", in.method},   {"bucket", in.bucket},         {"key", in.key},
                     {"region", in.region},   {"style", in.style},           {"access_key", in.access_key},
                     {"secret_key", in.secret_key}, {"expires", in.expires}, {"time", in.time}};
      if (!in.endpoint.empty()) o["endpoint"] = in.endpoint;
      if (!in.token.empty()) o["token"] = in.token;
      if (!in.content_type.empty()) o["content_type"] = in.content_type;
      if (!in.meta.empty()) {
        json::object m;
        for (const auto& [k, v] : in.meta) m[k] = v;
        o["meta"] = std::move(m);
      }
      if (!in.response_content_disposition.empty()) o["response_content_disposition"] = in.response_content_disposition;
      f << json::serialize(o) << "\n";
    }
  }
  auto r = run_process({"/usr/bin/python3", std::string(DROPSLOT_SOURCE_DIR) + "/tests/sigv4/botocore_presign.py",
                        in_path.string(), out_path.string()},
                       {"PATH=/usr/bin:/bin", "HOME=" + dir.path.string(), "LANG=C.UTF-8"});
  if (r.exit_code != 0) {
    why = "botocore_presign.py exited " + std::to_string(r.exit_code) + ": " + r.err;
    return std::nullopt;
  }
  std::vector<std::string> urls;
  std::ifstream f(out_path, std::ios::binary);
  std::string line;
  while (std::getline(f, line)) {
    json::object o = json::parse(line).as_object();
    if (auto* u = o.if_contains("url")) urls.emplace_back(u->as_string());
    else urls.push_back("error: " + std::string(o.at("error").as_string()));
  }
  return urls;
}

}  // namespace dropslot::sigv4::peer
