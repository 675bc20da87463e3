// password_encoder: Kafka's EncryptingPasswordEncoder, which keeps dynamic broker password configs
// (a listener's ssl.keystore.password set with kafka-configs.sh, ...) encrypted in ZooKeeper under
// password.encoder.secret. The stored text is Kafka's own —
//   keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,keyLength:128,
//   iterations:4096,salt:<Base64>,encryptedPassword:<Base64>,passwordLength:<n>,
//   initializationVector:<Base64>[,authenticationTagLength:128 for AES/GCM/NoPadding]
// — so Kafka brokers and Sluice brokers sharing a secret read each other's values. Encoding uses
// the configured algorithms; decoding uses those written beside the value, as Kafka does. The key
// is PBKDF2 over the secret with a fresh 256-byte salt per value; OpenSSL's libcrypto does the
// work. Pure; any thread. A value costs `iterations` HMACs: encode and decode on a request worker
// or at start-up, never on a network thread.
#pragma once

#include <string>
#include <string_view>

#include "security/errc.h"

namespace sluice::security {

struct password_encoder_settings {
  std::string secret;                                          // password.encoder.secret
  std::string key_factory_algorithm = "PBKDF2WithHmacSHA512";  // PBKDF2WithHmacSHA{1,256,512}
  std::string cipher_algorithm = "AES/CBC/PKCS5Padding";       // or AES/GCM/NoPadding
  int key_length = 128;                                        // bits: 128, 192 or 256
  int iterations = 4096;
};

class password_encoder {
 public:
  // errc::invalid_config naming the password.encoder.* key whose value cannot work.
  static result<password_encoder> create(password_encoder_settings settings);

  std::string encode(std::string_view password) const;
  // errc::invalid_argument when `encoded` is not Kafka's form, names an algorithm this build does
  // not have, or does not decrypt with this secret ("Password could not be decoded").
  result<std::string> decode(std::string_view encoded) const;

 private:
  explicit password_encoder(password_encoder_settings s) : settings_(std::move(s)) {}
  password_encoder_settings settings_;
};

}  // namespace sluice::security
