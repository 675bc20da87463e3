#include "net/endpoint.h"

#include <asio/ip/v6_only.hpp>
#include <vector>

namespace sluice::net {
namespace {

result<asio::ip::tcp::acceptor> bind_to(asio::io_context& context,
                                        const asio::ip::tcp::endpoint& endpoint,
                                        const std::string& shown) {
  asio::ip::tcp::acceptor acceptor(context);
  std::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
    acceptor.set_option(asio::ip::v6_only(false), ec);  // "::" serves IPv4 clients too
  }
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) return acceptor;
  if (ec == asio::error::address_in_use) {
    return fail(errc::address_in_use, shown + " is already in use");
  }
  return fail(errc::bind_failed, "cannot listen on " + shown + ": " + ec.message());
}

}  // namespace

std::string to_string(const asio::ip::tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

result<asio::ip::tcp::acceptor> open_acceptor(asio::io_context& context, const std::string& host,
                                              uint16_t port) {
  std::string shown = (host.empty() ? std::string("*") : host) + ":" + std::to_string(port);
  if (host.empty()) {
    auto any6 = bind_to(context, {asio::ip::address_v6::any(), port}, shown);
    if (any6.ok() || any6.code() == errc::address_in_use) return any6;
    return bind_to(context, {asio::ip::address_v4::any(), port}, shown);  // no IPv6 here
  }
  std::error_code ec;
  asio::ip::tcp::resolver resolver(context);
  auto results = resolver.resolve(
      host, std::to_string(port),
      asio::ip::resolver_base::passive | asio::ip::resolver_base::numeric_service, ec);
  if (ec || results.empty()) {
    return fail(errc::resolve_failed,
                "cannot resolve host '" + host + "': " + (ec ? ec.message() : "no addresses"));
  }
  asio::ip::tcp::endpoint chosen = results.begin()->endpoint();
  for (const auto& r : results) {
    if (r.endpoint().address().is_v4()) {
      chosen = r.endpoint();
      break;
    }
  }
  return bind_to(context, chosen, shown);
}

}  // namespace sluice::net
