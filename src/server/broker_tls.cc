// broker: its TLS side — the SSL listeners' contexts and the inter-broker client's, built at
// start-up (split from broker.cc; the class comment is in broker.h).
#include "net/tls_context.h"
#include "server/broker.h"

namespace sluice::server {

// The TLS contexts of the SSL listeners (their key and trust stores read now) and, when the
// inter-broker listener runs TLS, the client context every inter-broker connection uses: that
// listener's settings on the client side, as Kafka's inter-broker client takes them.
result<void> broker::start_tls() {
  const broker_config& c = config_.typed();
  for (const auto& [name, settings] : c.listener_tls) {
    auto ctx = net::tls_context::create(net::tls_context::role::server, settings);
    if (!ctx) return fail(errc::start_failed, "listener " + name + ": " + ctx.message());
    tls_contexts_[name] = *ctx;
  }
  inter_broker_security_.protocol = c.inter_broker_security_protocol;
  if (net::uses_tls(c.inter_broker_security_protocol)) {
    auto ctx = net::tls_context::create(net::tls_context::role::client,
                                        c.listener_tls.at(c.inter_broker_listener_name));
    if (!ctx)
      return fail(errc::start_failed, "inter-broker listener " + c.inter_broker_listener_name +
                                          " (as a client): " + ctx.message());
    inter_broker_security_.tls = *ctx;
  }
  return ok_v;
}

}  // namespace sluice::server
