// Errors of the security module. How a handler answers each (Kafka's split between an
// authentication error whose message reaches the client and a SASL error that does not):
//   authentication_failed -> SASL_AUTHENTICATION_FAILED with this error's message,
//   sasl_failed           -> SASL_AUTHENTICATION_FAILED with Kafka's generic "Authentication failed
//                            during authentication due to invalid credentials with SASL mechanism
//                            <m>" (the message, which may name the user, is only logged),
//   illegal_state         -> the connection closes (Kafka's IllegalSaslStateException),
//   invalid_config        -> start-up fails naming the key,
//   invalid_argument      -> a caller's bad input (a credential string, a password, iterations).
#pragma once

#include "base/result.h"

namespace sluice::security {

enum class errc {
  authentication_failed,
  sasl_failed,
  illegal_state,
  invalid_config,
  invalid_argument,
};

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::security
