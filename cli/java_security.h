// Java client security settings as a Kafka user's client.properties holds them (--command-config,
// --producer.config, --consumer.config), turned into librdkafka's, which the tools run on:
//   sasl.jaas.config (PlainLoginModule / ScramLoginModule username, password; tokenauth;
//     OAuthBearerLoginModule's unsecuredLoginStringClaim_sub) -> sasl.username, sasl.password,
//     sasl.oauthbearer.config + enable.sasl.oauthbearer.unsecure.jwt
//   ssl.truststore.location (PEM)                    -> ssl.ca.location
//   ssl.keystore.location (PEM: key and certificates) -> ssl.certificate.location, ssl.key.location
//   ssl.keystore.location (PKCS12) + password         -> librdkafka's own PKCS#12 keys
//   ssl.endpoint.identification.algorithm=""          -> none
// The Java keys are removed; a librdkafka key the user set explicitly is never overridden.
// Pure function; errors name the key.
#pragma once

#include "cli/errors.h"
#include "cli/properties.h"

namespace sluice::cli {

result<void> translate_java_security(property_map& settings);

}  // namespace sluice::cli
