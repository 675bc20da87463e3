// broker_client over TLS, as replica fetchers and the controller use it when the inter-broker
// listener is SSL: the peer checked against the trust store and (https) its host name, the
// broker's own certificate presented to a listener that requires one.
#include <gtest/gtest.h>

#include "net/broker_client.h"
#include "protocol/generated/headers.h"
#include "tls_test_support.h"

namespace sluice::net::testing {
namespace {

// Answers any request with its correlation id (response header v0), the requester's principal.
void answer_with_principal(fake_dispatcher& d) {
  d.handler = [](const connection_ref& c, protocol::bytes frame, response_callback done) {
    protocol::reader r(frame);
    protocol::request_header h;
    (void)h.decode(r, 1);
    protocol::writer w;
    w.write_int32(h.correlation_id);
    w.write_string(c->session->principal(), false);
    done(outbound_response::with(std::move(w)));
  };
}

client_security tls_security(const tls_settings& s) {
  auto ctx = tls_context::create(tls_context::role::client, s);
  EXPECT_TRUE(ctx.ok()) << (ctx.ok() ? "" : ctx.message());
  return client_security{"SSL", ctx.ok() ? *ctx : nullptr};
}

broker_client_options to(uint16_t port, client_security security, std::string host = "127.0.0.1") {
  broker_client_options o;
  o.host = std::move(host);
  o.port = port;
  o.client_id = "broker-1-test";
  o.connect_timeout = 3s;
  o.request_timeout = 3s;
  o.security = std::move(security);
  return o;
}

// One request (Metadata v0: response header v0); the principal the server saw.
result<std::string> principal_seen(broker_client& c) {
  auto body = c.round_trip(3, 0, {});
  if (!body) return std::move(body).error();
  protocol::reader r(*body);
  return r.read_string(false);
}

// Trusts the test CA, presents no certificate.
tls_settings trusting(const issued& ca) {
  tls_settings s;
  s.truststore_type = "PEM";
  s.truststore_certificates = pem(ca.cert.get());
  return s;
}

TEST(broker_client_tls, round_trips_to_an_ip_address_and_a_host_name_in_the_certificate) {
  test_pki pki;
  tls_server s(pki);
  answer_with_principal(s.dispatcher);
  auto security = tls_security(trusting(pki.ca));
  for (std::string host : {"127.0.0.1", "localhost"}) {
    broker_client c(to(s.port(), security, host));
    auto seen = principal_seen(c);
    ASSERT_TRUE(seen.ok()) << host << ": " << seen.message();
    EXPECT_EQ(*seen, "User:ANONYMOUS");
    EXPECT_TRUE(principal_seen(c).ok());  // the connection stays up for the next call
  }
}

TEST(broker_client_tls, presents_its_certificate_to_a_listener_that_requires_one) {
  test_pki pki;
  tls_server s(pki, ssl_client_auth::required);
  answer_with_principal(s.dispatcher);
  broker_client with(to(s.port(), tls_security(inline_settings(pki.server, pki.ca))));
  auto seen = principal_seen(with);
  ASSERT_TRUE(seen.ok()) << seen.message();
  EXPECT_EQ(*seen, "User:O=Sluice,CN=localhost");  // RFC 2253: the last RDN first

  broker_client without(to(s.port(), tls_security(trusting(pki.ca))));
  EXPECT_FALSE(principal_seen(without).ok());
}

TEST(broker_client_tls, refuses_a_peer_its_trust_store_does_not_vouch_for) {
  test_pki pki;
  tls_server s(pki);
  answer_with_principal(s.dispatcher);
  broker_client c(to(s.port(), tls_security(trusting(pki.other_ca))));
  auto seen = principal_seen(c);
  ASSERT_FALSE(seen.ok());
  EXPECT_EQ(seen.code(), errc::connect_failed);
  EXPECT_NE(seen.message().find("TLS handshake with 127.0.0.1:"), std::string::npos)
      << seen.message();
  // The server sends its chain up to its CA, which this client does not trust.
  EXPECT_NE(seen.message().find("self-signed certificate in certificate chain"), std::string::npos)
      << seen.message();
}

TEST(broker_client_tls, checks_the_host_name_unless_endpoint_identification_is_off) {
  test_pki pki;
  issued elsewhere =
      make_cert({.subject = {{"CN", "elsewhere"}}, .san = "DNS:elsewhere.example"}, &pki.ca);
  tls_server s(pki, ssl_client_auth::none, "SSL", "DEFAULT", &elsewhere);
  answer_with_principal(s.dispatcher);
  broker_client checked(to(s.port(), tls_security(trusting(pki.ca))));
  auto seen = principal_seen(checked);
  ASSERT_FALSE(seen.ok());
  EXPECT_NE(seen.message().find("mismatch"), std::string::npos) << seen.message();

  auto lax = trusting(pki.ca);
  lax.endpoint_identification_algorithm = "";
  broker_client unchecked(to(s.port(), tls_security(lax)));
  EXPECT_TRUE(principal_seen(unchecked).ok());
}

TEST(broker_client_tls, a_plaintext_client_gets_nothing_from_a_tls_listener) {
  test_pki pki;
  tls_server s(pki);
  answer_with_principal(s.dispatcher);
  broker_client c(to(s.port(), client_security{}));
  EXPECT_FALSE(principal_seen(c).ok());
}

}  // namespace
}  // namespace sluice::net::testing
