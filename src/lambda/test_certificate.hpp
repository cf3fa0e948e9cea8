#pragma once
// Test support for the Beast HTTPS transport's tests and the TLS benchmark: a P-256 key
// and a self-signed CA certificate for DNS:localhost only (so an https URL naming
// 127.0.0.1 must fail the host-name check), valid for a day, both as PEM.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <utility>

namespace dropslot::lambda::testing {

struct self_signed {
  std::string cert_pem, key_pem;
};

inline self_signed make_certificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  auto to_string = [](auto write) {
    BIO* b = BIO_new(BIO_s_mem());
    write(b);
    char* data;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, n);
    BIO_free(b);
    return s;
  };
  self_signed out;
  out.cert_pem = to_string([&](BIO* b) { PEM_write_bio_X509(b, x); });
  out.key_pem = to_string([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace dropslot::lambda::testing
