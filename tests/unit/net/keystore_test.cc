// Key and trust stores (PEM files, PKCS12 files, inline PEM), Kafka's rules about which ssl.* keys
// go together, tls_context's checks, and the RFC 2253 subject names principals are made from.
#include "net/keystore.h"

#include <gtest/gtest.h>

#include "net/tls_context.h"
#include "net/x509_name.h"
#include "tls_test_support.h"

namespace sluice::net::testing {
namespace {

std::string error_of(const tls_settings& s) {
  auto k = load_keystore(s);
  EXPECT_FALSE(k.ok());
  return k.ok() ? "" : k.message();
}

std::string context_error(tls_context::role side, const tls_settings& s) {
  auto c = tls_context::create(side, s);
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.message();
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

struct keystore_test : ::testing::Test {
  test_pki pki;
  temp_dir dir;
};

TEST_F(keystore_test, inline_pem_key_and_chain) {
  auto s = inline_settings(pki.server, pki.ca);
  auto k = load_keystore(s);
  ASSERT_TRUE(k.ok()) << k.message();
  ASSERT_TRUE(k->has_value());
  EXPECT_EQ((*k)->chain.size(), 2u);
  EXPECT_EQ(X509_cmp((*k)->chain[0].get(), pki.server.cert.get()), 0);
  auto t = load_truststore(s);
  ASSERT_TRUE(t.ok()) << t.message();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->size(), 1u);
}

TEST_F(keystore_test, pem_file_with_an_encrypted_key) {
  tls_settings s;
  s.keystore_type = "PEM";
  s.keystore_location =
      dir.write("server.pem", pem(pki.server.key.get(), "k3y") + pem(pki.server.cert.get()));
  s.key_password = "k3y";
  auto k = load_keystore(s);
  ASSERT_TRUE(k.ok()) << k.message();
  EXPECT_EQ((*k)->chain.size(), 1u);

  s.key_password = "wrong";
  EXPECT_TRUE(has(error_of(s), "cannot decrypt the private key with ssl.key.password"))
      << error_of(s);
  s.key_password.reset();
  EXPECT_TRUE(has(error_of(s), "the private key is encrypted; set ssl.key.password"));
}

TEST_F(keystore_test, pem_file_without_a_key_or_certificate) {
  tls_settings s;
  s.keystore_type = "PEM";
  s.keystore_location = dir.write("cert-only.pem", pem(pki.server.cert.get()));
  EXPECT_TRUE(
      has(error_of(s), "ssl.keystore.location=" + *s.keystore_location + ": no private key"));
  s.keystore_location = dir.write("key-only.pem", pem(pki.server.key.get()));
  EXPECT_TRUE(has(error_of(s), ": no certificate"));
}

TEST_F(keystore_test, pkcs12_with_its_password_and_as_kafkas_default_jks_type) {
  tls_settings s;
  s.keystore_type = "PKCS12";
  s.keystore_location = dir.write(
      "server.p12", pkcs12(pki.server.key.get(), {pki.server.cert.get(), pki.ca.cert.get()}, "pw"));
  s.keystore_password = "pw";
  auto k = load_keystore(s);
  ASSERT_TRUE(k.ok()) << k.message();
  EXPECT_EQ((*k)->chain.size(), 2u);
  EXPECT_EQ(X509_cmp((*k)->chain[0].get(), pki.server.cert.get()), 0);
  // Java reads a PKCS12 file given as JKS (keytool has written PKCS12 by default since Java 9).
  s.keystore_type = "JKS";
  EXPECT_TRUE(load_keystore(s).ok());

  s.keystore_password = "nope";
  EXPECT_EQ(error_of(s), "ssl.keystore.location=" + *s.keystore_location +
                             ": ssl.keystore.password is wrong (mac verify failure)");
  s.keystore_password.reset();
  EXPECT_TRUE(has(error_of(s), "ssl.keystore.password: must be set with ssl.keystore.location"));
}

TEST_F(keystore_test, files_that_are_not_what_they_claim) {
  tls_settings s;
  s.keystore_type = "PKCS12";
  s.keystore_password = "pw";
  s.keystore_location = dir.path.string() + "/missing.p12";
  EXPECT_TRUE(has(error_of(s), "ssl.keystore.location=" + *s.keystore_location +
                                   ": cannot read the file: No such file or directory"));
  s.keystore_location = dir.write("really.pem", pem(pki.server.cert.get()));
  EXPECT_TRUE(has(error_of(s), ": not a PKCS12 file")) << error_of(s);
  s.keystore_location = dir.write("java.jks", std::string("\xfe\xed\xfe\xed\x00\x00\x00\x02", 8));
  EXPECT_TRUE(has(error_of(s), "a Java JKS key store, which Sluice cannot read"));
  s.keystore_type = "BKS";
  EXPECT_TRUE(has(error_of(s), "ssl.keystore.type: 'BKS' is not one of PKCS12, PEM"));
}

TEST_F(keystore_test, kafkas_rules_about_keys_that_go_together) {
  auto s = inline_settings(pki.server, pki.ca);
  s.keystore_type = "JKS";
  EXPECT_TRUE(
      has(error_of(s), "ssl.keystore.key: an inline private key needs ssl.keystore.type=PEM"));
  s = inline_settings(pki.server, pki.ca);
  s.keystore_certificate_chain.reset();
  EXPECT_TRUE(has(error_of(s), "ssl.keystore.certificate.chain is not"));
  s = inline_settings(pki.server, pki.ca);
  s.keystore_key.reset();
  EXPECT_TRUE(has(error_of(s), "ssl.keystore.certificate.chain: the certificate chain is set"));
  s = inline_settings(pki.server, pki.ca);
  s.keystore_location = "/x.pem";
  EXPECT_TRUE(has(error_of(s), "not both"));
  s = inline_settings(pki.server, pki.ca);
  s.keystore_password = "pw";
  EXPECT_TRUE(has(error_of(s), "ssl.keystore.password: cannot be set with PEM"));
  tls_settings none;
  none.keystore_password = "pw";
  EXPECT_TRUE(has(error_of(none), "ssl.keystore.password: set, but ssl.keystore.location is not"));
  none.keystore_password.reset();
  auto nothing = load_keystore(none);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
}

TEST_F(keystore_test, errors_name_the_listener_prefixed_key_that_was_used) {
  tls_settings s;
  s.keystore_type = "PKCS12";
  s.keystore_location = "/nowhere.p12";
  s.keys["ssl.keystore.location"] = "listener.name.internal.ssl.keystore.location";
  s.keystore_password = "pw";
  EXPECT_TRUE(has(error_of(s), "listener.name.internal.ssl.keystore.location=/nowhere.p12: "));
}

TEST_F(keystore_test, trust_stores) {
  tls_settings s;
  s.truststore_type = "PEM";
  s.truststore_location =
      dir.write("cas.pem", pem(pki.ca.cert.get()) + pem(pki.other_ca.cert.get()));
  auto t = load_truststore(s);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ((*t)->size(), 2u);
  s.truststore_password = "pw";
  EXPECT_FALSE(load_truststore(s).ok());

  tls_settings p;
  p.truststore_type = "PKCS12";
  p.truststore_location = dir.write("trust.p12", pkcs12(nullptr, {pki.ca.cert.get()}, "pw"));
  p.truststore_password = "pw";
  t = load_truststore(p);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ((*t)->size(), 1u);
  p.truststore_password = "bad";
  auto wrong = load_truststore(p);
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(has(wrong.message(), "ssl.truststore.password is wrong")) << wrong.message();

  tls_settings none;
  auto nothing = load_truststore(none);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
}

TEST_F(keystore_test, contexts_refuse_settings_that_cannot_work) {
  tls_settings no_key;
  EXPECT_TRUE(has(context_error(tls_context::role::server, no_key),
                  "ssl.keystore.location: a TLS listener needs a key and certificate"));
  EXPECT_TRUE(tls_context::create(tls_context::role::client, no_key).ok());

  auto mismatched = inline_settings(pki.server, pki.ca);
  mismatched.keystore_key = pem(pki.client.key.get());
  EXPECT_TRUE(has(context_error(tls_context::role::server, mismatched),
                  "ssl.keystore.key: the private key does not match the certificate"));

  auto s = inline_settings(pki.server, pki.ca);
  s.enabled_protocols = {"TLSv1.1"};
  EXPECT_TRUE(has(context_error(tls_context::role::server, s),
                  "ssl.enabled.protocols: 'TLSv1.1' is not one of TLSv1.2, TLSv1.3"));
  s = inline_settings(pki.server, pki.ca);
  s.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_NOT_A_SUITE"};
  EXPECT_TRUE(has(context_error(tls_context::role::server, s),
                  "ssl.cipher.suites: unknown cipher suite 'TLS_NOT_A_SUITE'"));
  s.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                     "ECDHE-ECDSA-AES256-GCM-SHA384"};  // IANA and OpenSSL names alike
  EXPECT_TRUE(tls_context::create(tls_context::role::server, s).ok());
  s = inline_settings(pki.server, pki.ca);
  s.principal_mapping_rules = "RULE:^CN=(.*$/$1/";
  EXPECT_TRUE(has(context_error(tls_context::role::server, s), "ssl.principal.mapping.rules: "));
  s = inline_settings(pki.server, pki.ca);
  s.enabled_protocols = {"TLSv1.3"};
  s.protocol = "TLSv1.2";
  EXPECT_TRUE(
      has(context_error(tls_context::role::client, s), "ssl.protocol: TLSv1.2 leaves none"));
  EXPECT_TRUE(tls_context::create(tls_context::role::server, s).ok());  // servers ignore it
}

TEST(x509_name, java_rfc2253_form) {
  auto name = [](std::vector<std::pair<std::string, std::string>> fields) {
    auto c = make_cert({.subject = std::move(fields)});
    return rfc2253_name(X509_get_subject_name(c.cert.get()));
  };
  EXPECT_EQ(name({{"C", "NL"}, {"O", "Sluice, Inc."}, {"CN", "alice"}}),
            "CN=alice,O=Sluice\\, Inc.,C=NL");
  EXPECT_EQ(name({{"DC", "com"}, {"DC", "example"}, {"OU", "a+b=c"}, {"CN", " padded "}}),
            "CN=\\ padded\\ ,OU=a\\+b\\=c,DC=example,DC=com");
  EXPECT_EQ(name({{"ST", "Zuid-Holland"}, {"L", "Delft"}, {"UID", "u1"}, {"CN", "#1;<x>\"q\""}}),
            "CN=\\#1\\;\\<x\\>\\\"q\\\",UID=u1,L=Delft,ST=Zuid-Holland");
  // Attributes without an RFC 2253 keyword: the OID and the DER value in hex, as Java writes them.
  EXPECT_EQ(name({{"CN", "bob"}, {"emailAddress", "b@x"}}),
            "1.2.840.113549.1.9.1=#1603624078,CN=bob");
}

}  // namespace
}  // namespace sluice::net::testing
