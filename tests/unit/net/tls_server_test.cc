// TLS listeners: the handshake before any request, the principal a client certificate gives,
// mTLS refusals (no certificate, another CA, expired), SASL_SSL connections left to SASL, file
// regions copied through TLS instead of sendfile, and bad bytes closing only their connection.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <random>

#include "net/tls_context.h"
#include "tls_test_support.h"

namespace sluice::net::testing {
namespace {

// Answers each request with the principal and authentication state of its connection.
void answer_with_session(fake_dispatcher& d) {
  d.handler = [](const connection_ref& c, protocol::bytes, response_callback done) {
    std::string text = c->session->principal() + (c->session->authenticated() ? " yes" : " no");
    done(outbound_response::with(body_of(text)));
  };
}

std::optional<std::string> ask(tls_client& c) {
  if (!c.send_frame("who")) return std::nullopt;
  auto f = c.read_frame();
  if (!f) return std::nullopt;
  return to_string(*f);
}

TEST(tls_server, requests_after_the_handshake_are_anonymous_without_a_certificate) {
  test_pki pki;
  tls_server s(pki);
  answer_with_session(s.dispatcher);
  tls_client c(s.port(), pki.ca, nullptr);
  ASSERT_TRUE(c.handshake_ok()) << c.error();
  EXPECT_EQ(ask(c), "User:ANONYMOUS yes");
}

TEST(tls_server, a_client_certificate_gives_the_mapped_principal) {
  test_pki pki;
  {
    tls_server s(pki, ssl_client_auth::required);
    answer_with_session(s.dispatcher);
    tls_client c(s.port(), pki.ca, &pki.client);
    ASSERT_TRUE(c.handshake_ok()) << c.error();
    EXPECT_EQ(ask(c), "User:CN=alice,O=Sluice\\, Inc.,C=NL yes");
  }
  {
    tls_server s(pki, ssl_client_auth::requested, "SSL", "RULE:^CN=([a-z]+),.*$/$1/U,DEFAULT");
    answer_with_session(s.dispatcher);
    tls_client c(s.port(), pki.ca, &pki.client);
    ASSERT_TRUE(c.handshake_ok()) << c.error();
    EXPECT_EQ(ask(c), "User:ALICE yes");
    tls_client anonymous(s.port(), pki.ca, nullptr);  // requested, not required
    ASSERT_TRUE(anonymous.handshake_ok()) << anonymous.error();
    EXPECT_EQ(ask(anonymous), "User:ANONYMOUS yes");
  }
}

TEST(tls_server, required_client_auth_refuses_no_certificate_another_ca_and_an_expired_one) {
  test_pki pki;
  tls_server s(pki, ssl_client_auth::required);
  answer_with_session(s.dispatcher);
  int refused = 0;
  for (const issued* identity : std::vector<const issued*>{nullptr, &pki.stranger, &pki.expired}) {
    tls_client c(s.port(), pki.ca, identity);
    // TLS 1.3 finishes the client's side before the server has checked its certificate: the
    // refusal shows on the first read.
    bool served = c.handshake_ok() && ask(c).has_value();
    EXPECT_FALSE(served) << "client " << refused;
    ++refused;
  }
  EXPECT_EQ(eventually_sample(
                s.registry,
                "sluice_network_connections_closed_total{reason=\"tls_handshake_failed\"}", 3),
            3);
  EXPECT_EQ(s.dispatcher.dispatched(), 0u);
  tls_client good(s.port(), pki.ca, &pki.client);  // the listener still serves
  EXPECT_EQ(ask(good), "User:CN=alice,O=Sluice\\, Inc.,C=NL yes");
}

TEST(tls_server, a_certificate_no_rule_maps_is_refused) {
  test_pki pki;
  tls_server s(pki, ssl_client_auth::required, "SSL", "RULE:^CN=(bob),.*$/$1/");
  answer_with_session(s.dispatcher);
  tls_client c(s.port(), pki.ca, &pki.client);
  EXPECT_FALSE(c.handshake_ok() && ask(c).has_value());
  EXPECT_EQ(eventually_sample(
                s.registry,
                "sluice_network_connections_closed_total{reason=\"tls_handshake_failed\"}", 1),
            1);
}

TEST(tls_server, sasl_ssl_connections_are_left_unauthenticated_for_sasl) {
  test_pki pki;
  tls_server s(pki, ssl_client_auth::none, "SASL_SSL");
  answer_with_session(s.dispatcher);
  tls_client c(s.port(), pki.ca, nullptr);
  ASSERT_TRUE(c.handshake_ok()) << c.error();
  EXPECT_EQ(ask(c), "User:ANONYMOUS no");
}

TEST(tls_server, the_server_certificate_verifies_for_its_host_names) {
  test_pki pki;
  tls_server s(pki);
  EXPECT_TRUE(tls_client(s.port(), pki.ca, nullptr, "localhost").handshake_ok());
  EXPECT_FALSE(tls_client(s.port(), pki.ca, nullptr, "elsewhere.example").handshake_ok());
  EXPECT_FALSE(tls_client(s.port(), pki.other_ca, nullptr).handshake_ok());  // untrusted server
}

// A temporary file of pseudo-random bytes.
struct random_file {
  int fd = -1;
  protocol::bytes content;
  explicit random_file(size_t size) {
    char path[] = "/tmp/sluice-net-tls-XXXXXX";
    fd = ::mkstemp(path);
    ::unlink(path);
    std::mt19937 rng(11);
    content.resize(size);
    for (auto& b : content) b = static_cast<uint8_t>(rng());
    size_t done = 0;
    while (done < size)
      done += static_cast<size_t>(::write(fd, content.data() + done, size - done));
  }
  ~random_file() { ::close(fd); }
  protocol::records region(int64_t position, int32_t size) const {
    return protocol::records::file(protocol::file_region{nullptr, fd, position, size});
  }
};

protocol::writer spliced(const random_file& file, int32_t correlation) {
  protocol::writer w;
  w.write_int32(correlation);
  w.write_records(file.region(7, 1000), false);
  w.write_string("between", false);
  w.write_records(file.region(5000, static_cast<int32_t>(file.content.size()) - 5000), false);
  w.write_int16(3);
  return w;
}

TEST(tls_server, file_regions_are_copied_through_tls_not_sent_with_sendfile) {
  test_pki pki;
  random_file file(3 * 1024 * 1024 + 17);  // several staging buffers' worth
  tls_server s(pki);
  s.dispatcher.hold = true;
  tls_client c(s.port(), pki.ca, nullptr);
  ASSERT_TRUE(c.handshake_ok()) << c.error();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.send_frame("fetch"));
  auto held = s.dispatcher.take_held(3);
  ASSERT_EQ(held.size(), 3u);
  for (int i = 2; i >= 0; --i) held[i].done(outbound_response::with(spliced(file, i)));
  for (int i = 0; i < 3; ++i) {
    auto got = c.read_frame();
    ASSERT_TRUE(got.has_value()) << "response " << i;
    auto expected = spliced(file, i).flatten();
    ASSERT_TRUE(expected.ok());
    EXPECT_TRUE(*got == *expected) << "response " << i;
  }
  EXPECT_EQ(sample(s.registry.expose(), "sluice_network_sendfile_bytes_total"), 0);
}

TEST(tls_server, a_file_shorter_than_its_region_closes_the_connection) {
  test_pki pki;
  random_file file(4096);
  tls_server s(pki);
  s.dispatcher.handler = [&](const connection_ref&, protocol::bytes, response_callback done) {
    protocol::writer w;
    w.write_records(file.region(4000, 500), false);  // 404 bytes past the end
    done(outbound_response::with(std::move(w)));
  };
  tls_client c(s.port(), pki.ca, nullptr);
  ASSERT_TRUE(c.handshake_ok());
  ASSERT_TRUE(c.send_frame("fetch"));
  EXPECT_FALSE(c.read_frame().has_value());
}

TEST(tls_server, garbage_and_plaintext_requests_close_only_their_connection) {
  test_pki pki;
  tls_server s(pki);
  s.dispatcher.hold = false;
  tls_client good(s.port(), pki.ca, nullptr);
  ASSERT_TRUE(good.handshake_ok());
  ASSERT_TRUE(good.send_frame("before"));
  EXPECT_EQ(to_string(*good.read_frame()), "before");

  client garbage(s.port());
  std::mt19937 rng(5);
  protocol::bytes noise(3000);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  ASSERT_TRUE(garbage.send_raw(noise));
  EXPECT_TRUE(garbage.closed_by_peer());

  client plaintext(s.port());  // an ApiVersions request, as a client misconfigured without TLS
  ASSERT_TRUE(plaintext.send_raw({0, 0, 0, 13, 0, 18, 0, 3, 0, 0, 0, 1, 0, 3, 'c', 'l', 'i'}));
  EXPECT_TRUE(plaintext.closed_by_peer());
  EXPECT_EQ(eventually_sample(
                s.registry,
                "sluice_network_connections_closed_total{reason=\"tls_handshake_failed\"}", 2),
            2);

  ASSERT_TRUE(good.send_frame("after"));
  EXPECT_EQ(to_string(*good.read_frame()), "after");
  EXPECT_EQ(s.dispatcher.dispatched(), 2u);
}

TEST(tls_server, a_tls_client_hello_on_a_plaintext_listener_is_refused_by_its_size) {
  test_pki pki;
  tls_server s(pki);
  tls_client hello(s.server->port("PLAINTEXT"), pki.ca, nullptr);
  EXPECT_FALSE(hello.handshake_ok());
  EXPECT_EQ(
      eventually_sample(s.registry,
                        "sluice_network_connections_closed_total{reason=\"oversize_request\"}", 1),
      1);
}

TEST(tls_server, a_tls_listener_without_a_context_does_not_bind) {
  metrics::registry registry;
  fake_dispatcher dispatcher;
  auto o = loopback_options();
  o.listeners = {listener_endpoint{"SSL", "SSL", "127.0.0.1", 0}};
  tcp_server server(std::move(o), dispatcher, registry);
  auto bound = server.bind();
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.message(), "listener SSL (SSL) has no TLS configuration");
}

}  // namespace
}  // namespace sluice::net::testing
