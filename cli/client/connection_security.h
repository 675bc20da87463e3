// connection_security: how the tools' raw-protocol connections (raw_connection) are secured, from
// the same client settings the tools give librdkafka, after translate_java_security has turned a
// Java client.properties into librdkafka's keys, so one --command-config secures both paths:
//   security.protocol                                  PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
//   ssl.ca.location                                    the trust store (PEM)
//   ssl.certificate.location + ssl.key.location        the client's chain and key (PEM), shown
//     (+ ssl.key.password)                             when the broker asks for a certificate
//   ssl.keystore.location + ssl.keystore.password      the same as a PKCS#12 file
//   ssl.endpoint.identification.algorithm              https (default) checks the host; none skips
//   sasl.mechanism(s), sasl.username, sasl.password    PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
//   sasl.oauthbearer.config (principal=, scope=,       OAUTHBEARER with an unsecured token, as
//     lifeSeconds=)                                    librdkafka's unsecured JWT makes one
// The result is what the broker's own inter-broker client takes (net::client_security), so the
// tools run the broker's TLS and SASL client code. Errors name the key at fault.
#pragma once

#include "cli/errors.h"
#include "cli/properties.h"
#include "net/client_security.h"

namespace sluice::cli {

result<net::client_security> connection_security(const property_map& settings);

}  // namespace sluice::cli
