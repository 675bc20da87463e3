// sasl_config: what one SASL listener offers — its enabled mechanisms, the PLAIN users and other
// JAAS entries, the re-authentication bound and the token size bound — resolved from Kafka's keys
// with Kafka's listener overrides:
//   listener.name.<l>.sasl.enabled.mechanisms          over sasl.enabled.mechanisms
//   listener.name.<l>.<mechanism>.sasl.jaas.config     (the only broker-side JAAS key, as Kafka)
//   listener.name.<l>.<mechanism>.connections.max.reauth.ms over listener.name.<l>.connections.
//     max.reauth.ms over connections.max.reauth.ms
//   listener.name.<l>.sasl.server.max.receive.size     over sasl.server.max.receive.size
// (<l> and <mechanism> in lower case). Built once at start-up; immutable, any thread.
// Also makes the sasl_server for a mechanism on a listener.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "security/credential_cache.h"
#include "security/delegation_token.h"
#include "security/jaas.h"
#include "security/oauthbearer.h"
#include "security/plain.h"
#include "security/sasl_server.h"

namespace sluice::security {

// Global values (from the broker's typed config) and every given property by name, for the
// listener-prefixed ones.
struct sasl_inputs {
  std::vector<std::string> enabled_mechanisms{"GSSAPI"};
  int64_t connections_max_reauth_ms = 0;
  int32_t server_max_receive_size = 524288;
  std::map<std::string, std::string> properties;
};

struct listener_sasl_config {
  std::string listener_name;
  std::vector<std::string> enabled_mechanisms;   // as configured (order kept for the handshake)
  std::shared_ptr<const plain_users> plain;      // PLAIN's user_<name> options
  std::shared_ptr<const token_validator> oauth;  // OAUTHBEARER's token validator
  std::map<std::string, jaas_entry> jaas;        // mechanism → its JAAS entry
  std::map<std::string, int64_t> max_reauth_ms;  // mechanism → connections.max.reauth.ms (0: off)
  int32_t max_receive_size = 524288;

  bool enabled(std::string_view mechanism) const;
  int64_t reauth_ms(std::string_view mechanism) const;
};

// The mechanisms Sluice implements.
bool mechanism_supported(std::string_view mechanism);

// Errors are errc::invalid_config, "<key>: <reason>" (a JAAS value is never echoed).
result<listener_sasl_config> load_listener_sasl_config(const std::string& listener_name,
                                                       const sasl_inputs& in);

// The listener.name.<l>.[<mechanism>.]sasl.jaas.config and .sasl.enabled.mechanisms keys that
// nothing reads — a listener that is not a SASL one (or not in lower case), a mechanism the
// listener does not enable — each with why, for a start-up warning (Kafka ignores them silently).
std::vector<std::string> ignored_sasl_keys(
    const std::map<std::string, std::string>& properties,
    const std::map<std::string, listener_sasl_config>& sasl_listeners);

// The listener-prefixed key: "listener.name.<l lower>.<rest>".
std::string listener_key(std::string_view listener_name, std::string_view rest);

// A fresh server for `mechanism` on `listener` (it must be enabled there); SCRAM ones accept
// delegation tokens when `tokens` is given.
result<std::unique_ptr<sasl_server>> make_sasl_server(
    const listener_sasl_config& listener, std::string_view mechanism,
    std::shared_ptr<const credential_cache> credentials,
    std::shared_ptr<const token_cache> tokens = nullptr);

// The client the broker uses on its own inter-broker connections: the inter-broker mechanism with
// the username/password options of that mechanism's JAAS entry on the inter-broker listener (for
// OAUTHBEARER its unsecuredLogin* options, which make an unsecured token at each login).
struct sasl_client_credentials {
  std::string mechanism;
  std::string username;  // PLAIN and SCRAM
  std::string password;
  std::map<std::string, std::string> oauth_login_options;  // OAUTHBEARER: unsecuredLogin* options
};
result<sasl_client_credentials> inter_broker_credentials(const listener_sasl_config& listener,
                                                         const std::string& mechanism);
std::unique_ptr<sasl_client> make_sasl_client(const sasl_client_credentials& c);

}  // namespace sluice::security
