// broker: its TLS side — the SSL listeners' contexts and the inter-broker client's, built at
// start-up (split from broker.cc; the class comment is in broker.h).
#include <spdlog/spdlog.h>

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
    inter_broker_tls_ = *ctx;
    inter_broker_security_.tls = inter_broker_tls_;
  }
  return ok_v;
}

// Renewed key or trust stores (a dynamic config change, checked before it was stored): each TLS
// context whose stores differ swaps in a context built from them; connections made afterwards
// use it. A store that no longer loads keeps the old context, logged.
void broker::reload_tls(const broker_config& live) {
  auto reload = [](net::tls_context& ctx, const net::tls_settings& wanted, std::string_view what) {
    if (net::same_stores(ctx.settings(), wanted)) return;
    if (auto r = ctx.reload(wanted); !r.ok()) {
      spdlog::error("{}: new key or trust store not loaded, keeping the current ones: {}", what,
                    r.message());
      return;
    }
    spdlog::info("{}: key and trust stores reloaded", what);
  };
  for (const auto& [name, ctx] : tls_contexts_) {
    auto s = live.listener_tls.find(name);
    if (s != live.listener_tls.end()) reload(*ctx, s->second, "listener " + name);
  }
  if (inter_broker_tls_) {
    auto s = live.listener_tls.find(config_.typed().inter_broker_listener_name);
    if (s != live.listener_tls.end()) reload(*inter_broker_tls_, s->second, "inter-broker client");
  }
}

}  // namespace sluice::server
