#include "net/keystore.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice::net {
namespace {

struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct pkcs12_free {
  void operator()(PKCS12* p) const { PKCS12_free(p); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;

failure<errc> bad(const tls_settings& s, std::string_view key, std::string reason) {
  return fail(errc::invalid_argument, s.key(key) + ": " + reason);
}

// key=value for messages about a file.
std::string named(const tls_settings& s, std::string_view key, const std::string& value) {
  return s.key(key) + "=" + value;
}

result<std::string> read_file(const tls_settings& s, std::string_view key,
                              const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(errc::invalid_argument,
                named(s, key, path) + ": cannot read the file: " + std::strerror(errno));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// OpenSSL asks for a PEM pass phrase through a callback; without one configured it must fail
// instead of prompting on the terminal.
int pass_phrase(char* buffer, int size, int, void* user) {
  const auto* password = static_cast<const std::optional<std::string>*>(user);
  if (password == nullptr || !*password) return 0;
  int n = static_cast<int>(std::min<size_t>((*password)->size(), static_cast<size_t>(size)));
  std::memcpy(buffer, (*password)->data(), static_cast<size_t>(n));
  return n;
}

bio_ptr memory_bio(const std::string& text) {
  return bio_ptr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Every CERTIFICATE block of `pem`, in order; an error when there is none or one does not parse.
result<std::vector<x509_ptr>> pem_certificates(const std::string& pem, const std::string& where) {
  auto bio = memory_bio(pem);
  std::vector<x509_ptr> out;
  ERR_clear_error();
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, pass_phrase, nullptr)) out.emplace_back(c);
  unsigned long e = ERR_peek_last_error();
  // Reading stops with "no start line" at the end of the text: that is not an error.
  if (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
    return fail(errc::invalid_argument,
                where + ": a certificate does not parse: " + take_openssl_error());
  ERR_clear_error();
  if (out.empty())
    return fail(errc::invalid_argument, where + ": no certificate (no PEM CERTIFICATE block)");
  return out;
}

// The one private key of `pem` (PKCS#8, encrypted PKCS#8 or a traditional key), decrypted with
// ssl.key.password when it is encrypted.
result<evp_pkey_ptr> pem_private_key(const tls_settings& s, const std::string& pem,
                                     const std::string& where) {
  if (pem.find("PRIVATE KEY-----") == std::string::npos)
    return fail(errc::invalid_argument, where + ": no private key (no PEM PRIVATE KEY block)");
  auto bio = memory_bio(pem);
  ERR_clear_error();
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, pass_phrase,
                                          const_cast<std::optional<std::string>*>(&s.key_password));
  if (key == nullptr) {
    bool encrypted = pem.find("ENCRYPTED") != std::string::npos;
    std::string detail = take_openssl_error();
    if (encrypted && !s.key_password)
      return fail(errc::invalid_argument,
                  where + ": the private key is encrypted; set " + s.key("ssl.key.password"));
    if (encrypted)
      return fail(errc::invalid_argument, where + ": cannot decrypt the private key with " +
                                              s.key("ssl.key.password") + " (" + detail + ")");
    return fail(errc::invalid_argument, where + ": the private key does not parse: " + detail);
  }
  return evp_pkey_ptr(key);
}

result<key_material> pem_keystore(const tls_settings& s, const std::string& key_pem,
                                  const std::string& key_where, const std::string& chain_pem,
                                  const std::string& chain_where) {
  auto key = pem_private_key(s, key_pem, key_where);
  if (!key) return std::move(key).error();
  auto chain = pem_certificates(chain_pem, chain_where);
  if (!chain) return std::move(chain).error();
  return key_material{std::move(*key), std::move(*chain)};
}

bool is_jks(const std::string& bytes) {
  return bytes.size() >= 4 && static_cast<uint8_t>(bytes[0]) == 0xfe &&
         static_cast<uint8_t>(bytes[1]) == 0xed && static_cast<uint8_t>(bytes[2]) == 0xfe &&
         static_cast<uint8_t>(bytes[3]) == 0xed;
}

struct pkcs12_content {
  evp_pkey_ptr key;
  x509_ptr certificate;
  std::vector<x509_ptr> others;
};

// A PKCS12 file (Java's JKS type reads PKCS12 files too, so does this). The password checks the
// file's integrity and decrypts its key; a trust store may have none.
result<pkcs12_content> read_pkcs12(const tls_settings& s, std::string_view location_key,
                                   std::string_view password_key, const std::string& path,
                                   const std::optional<std::string>& password) {
  auto bytes = read_file(s, location_key, path);
  if (!bytes) return std::move(bytes).error();
  std::string where = named(s, location_key, path);
  if (is_jks(*bytes))
    return fail(errc::invalid_argument,
                where +
                    ": a Java JKS key store, which Sluice cannot read; convert it to PKCS12 "
                    "(keytool -importkeystore -deststoretype PKCS12) or use PEM");
  auto bio = memory_bio(*bytes);
  ERR_clear_error();
  std::unique_ptr<PKCS12, pkcs12_free> p12(d2i_PKCS12_bio(bio.get(), nullptr));
  if (!p12)
    return fail(errc::invalid_argument,
                where + ": not a PKCS12 file (" + take_openssl_error() + "); is " +
                    s.key(location_key == "ssl.keystore.location" ? "ssl.keystore.type"
                                                                  : "ssl.truststore.type") +
                    " right?");
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  int parsed = 0;
  if (password) {
    parsed = PKCS12_parse(p12.get(), password->c_str(), &key, &cert, &ca);
  } else {  // no password: an unprotected store, or one whose integrity is not checked
    parsed = PKCS12_parse(p12.get(), "", &key, &cert, &ca);
    if (!parsed) {
      ERR_clear_error();
      parsed = PKCS12_parse(p12.get(), nullptr, &key, &cert, &ca);
    }
  }
  if (!parsed) {
    std::string detail = take_openssl_error();
    if (detail.find("mac verify failure") != std::string::npos)
      return fail(errc::invalid_argument, where + ": " + s.key(password_key) +
                                              (password ? " is wrong" : " is not set") +
                                              " (mac verify failure)");
    return fail(errc::invalid_argument, where + ": cannot read the PKCS12 file: " + detail);
  }
  pkcs12_content out{evp_pkey_ptr(key), x509_ptr(cert), {}};
  if (ca != nullptr) {
    while (sk_X509_num(ca) > 0) out.others.emplace_back(sk_X509_shift(ca));
    sk_X509_free(ca);
  }
  return out;
}

result<std::vector<x509_ptr>> trusted_from_pkcs12(const tls_settings& s, const std::string& path) {
  auto content = read_pkcs12(s, "ssl.truststore.location", "ssl.truststore.password", path,
                             s.truststore_password);
  if (!content) return std::move(content).error();
  std::vector<x509_ptr> out;
  if (content->certificate) out.push_back(std::move(content->certificate));
  for (auto& c : content->others) out.push_back(std::move(c));
  if (out.empty())
    return fail(errc::invalid_argument,
                named(s, "ssl.truststore.location", path) + ": no certificate in the trust store");
  return out;
}

}  // namespace

std::string take_openssl_error(std::string_view fallback) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return std::string(fallback);
  const char* reason = ERR_reason_error_string(e);
  if (reason != nullptr) return reason;
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

result<std::optional<key_material>> load_keystore(const tls_settings& s) {
  const bool pem = s.keystore_type == "PEM";
  if (s.keystore_key) {
    if (!pem)
      return bad(s, "ssl.keystore.key",
                 "an inline private key needs " + s.key("ssl.keystore.type") + "=PEM, not " +
                     s.keystore_type);
    if (!s.keystore_certificate_chain)
      return bad(
          s, "ssl.keystore.key",
          "the private key is set but " + s.key("ssl.keystore.certificate.chain") + " is not");
    if (s.keystore_location)
      return bad(s, "ssl.keystore.key",
                 "set either it or " + s.key("ssl.keystore.location") + ", not both");
    if (s.keystore_password)
      return bad(s, "ssl.keystore.password",
                 "cannot be set with PEM; only " + s.key("ssl.key.password") + " may be");
    auto m = pem_keystore(s, *s.keystore_key, s.key("ssl.keystore.key"),
                          *s.keystore_certificate_chain, s.key("ssl.keystore.certificate.chain"));
    if (!m) return std::move(m).error();
    return std::optional<key_material>(std::move(*m));
  }
  if (s.keystore_certificate_chain)
    return bad(s, "ssl.keystore.certificate.chain",
               "the certificate chain is set but " + s.key("ssl.keystore.key") + " is not");
  if (!s.keystore_location) {
    if (s.keystore_password)
      return bad(s, "ssl.keystore.password",
                 "set, but " + s.key("ssl.keystore.location") + " is not");
    return std::optional<key_material>();
  }
  const std::string& path = *s.keystore_location;
  if (pem) {
    if (s.keystore_password)
      return bad(s, "ssl.keystore.password",
                 "cannot be set with PEM; only " + s.key("ssl.key.password") + " may be");
    auto text = read_file(s, "ssl.keystore.location", path);
    if (!text) return std::move(text).error();
    std::string where = named(s, "ssl.keystore.location", path);
    auto m = pem_keystore(s, *text, where, *text, where);
    if (!m) return std::move(m).error();
    return std::optional<key_material>(std::move(*m));
  }
  if (s.keystore_type != "PKCS12" && s.keystore_type != "JKS")
    return bad(s, "ssl.keystore.type", "'" + s.keystore_type + "' is not one of PKCS12, PEM");
  if (!s.keystore_password)
    return bad(s, "ssl.keystore.password",
               "must be set with " + s.key("ssl.keystore.location") + " (" + s.keystore_type + ")");
  auto content =
      read_pkcs12(s, "ssl.keystore.location", "ssl.keystore.password", path, s.keystore_password);
  if (!content) return std::move(content).error();
  std::string where = named(s, "ssl.keystore.location", path);
  if (!content->key) return fail(errc::invalid_argument, where + ": no private key in the store");
  if (!content->certificate)
    return fail(errc::invalid_argument, where + ": no certificate for the private key");
  key_material m{std::move(content->key), {}};
  m.chain.push_back(std::move(content->certificate));
  for (auto& c : content->others) m.chain.push_back(std::move(c));
  return std::optional<key_material>(std::move(m));
}

result<std::optional<std::vector<x509_ptr>>> load_truststore(const tls_settings& s) {
  using out_t = std::optional<std::vector<x509_ptr>>;
  const bool pem = s.truststore_type == "PEM";
  if (s.truststore_certificates) {
    if (!pem)
      return bad(s, "ssl.truststore.certificates",
                 "inline certificates need " + s.key("ssl.truststore.type") + "=PEM, not " +
                     s.truststore_type);
    if (s.truststore_location)
      return bad(s, "ssl.truststore.certificates",
                 "set either it or " + s.key("ssl.truststore.location") + ", not both");
    if (s.truststore_password) return bad(s, "ssl.truststore.password", "cannot be set with PEM");
    auto certs = pem_certificates(*s.truststore_certificates, s.key("ssl.truststore.certificates"));
    if (!certs) return std::move(certs).error();
    return out_t(std::move(*certs));
  }
  if (!s.truststore_location) {
    if (s.truststore_password)
      return bad(s, "ssl.truststore.password",
                 "set, but " + s.key("ssl.truststore.location") + " is not");
    return out_t();
  }
  const std::string& path = *s.truststore_location;
  if (pem) {
    if (s.truststore_password) return bad(s, "ssl.truststore.password", "cannot be set with PEM");
    auto text = read_file(s, "ssl.truststore.location", path);
    if (!text) return std::move(text).error();
    auto certs = pem_certificates(*text, named(s, "ssl.truststore.location", path));
    if (!certs) return std::move(certs).error();
    return out_t(std::move(*certs));
  }
  if (s.truststore_type != "PKCS12" && s.truststore_type != "JKS")
    return bad(s, "ssl.truststore.type", "'" + s.truststore_type + "' is not one of PKCS12, PEM");
  auto certs = trusted_from_pkcs12(s, path);
  if (!certs) return std::move(certs).error();
  return out_t(std::move(*certs));
}

}  // namespace sluice::net
