// Tests of Kafka's password encoder: values Apache Kafka 3.9's EncryptingPasswordEncoder wrote
// (kafka-server-common 3.9.1, secret "encoder-secret") decode here, values encoded here decode
// again, and a wrong secret or a damaged value is refused rather than misread.
#include "security/password_encoder.h"

#include <gtest/gtest.h>

namespace sluice::security {
namespace {

// AES/CBC/PKCS5Padding, PBKDF2WithHmacSHA512 (Kafka's defaults), key length 128, 4096 iterations.
constexpr const char* kafka_cbc =
    "initializationVector:zpRQT/Pxog/mUOeyZPfD4A==,keyLength:128,salt:wySZn9I/Ab/xP9FJ7l2zBPf"
    "JJbRl80tASAzWsluW6Sj8aaQBCvk6+zh/WjFUp2T705TJtAxroyBPnVbEGl89J2+7yRIT/UEmIOUoSFiIHUO5rjR"
    "tTmYPct3OHHf7sS14jTfeNhYqZ0wa8SCs/5eB++1YJSrqCBYhU8OLNHylg3pky4bgrHTVyiGs6lhHoEeLmx/Qra/"
    "NPY/xu0ApKUWw4ysBRfAQAhBDZCxzBmW6QHKnbL/IbP99NG1RqvOq5QF1wfRXCrt4Gnp8W45og9gNLZcEmpH6duF"
    "Lz608MqFjIKUJVfkc3hyyBQVnM37HWcqJRu3PuynX975Z2VuNjSQmAg==,keyFactoryAlgorithm:PBKDF2With"
    "HmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,iterations:4096,passwordLength:17,encryp"
    "tedPassword:AElKk2xAWxBbfIStSR7Pt3TqWhK2NsT/sUi2FLvgmcs=";
// AES/GCM/NoPadding, PBKDF2WithHmacSHA256, key length 256, 2048 iterations.
constexpr const char* kafka_gcm =
    "initializationVector:xCTMXxi7JHxUIu6S,keyLength:256,salt:reea2E7N477TtlA4EJH8YF37mhy5dvl"
    "DXXQg5yaaZQShiq1fdNkp8Hrc7zM32rX/htwQ3xElzx19TqxjO4hFQmXKXEh5f/vRnGwrKfocWwuPwu8L2JbKhe2"
    "PiL4Pv1xCzgld+dt/dwgse8hejUHWjsIm82xIax0Dmx1v7Gy/vNFFQFiaXrvkBx3Tnw42A3tgzJXTEUX++4KbjJS"
    "0nqi3Yn/VIZa+ONqyUigou5NuYjSmEKZk+P4RV80zk6TiaYqtOGUPqzXJ2VI3u3IaY9sTNomBGztairlX6FRwniB"
    "H9mNGSd8kLw76jxyvZDREigO+vwZc4BUee9XJSNB0W6Fbag==,keyFactoryAlgorithm:PBKDF2WithHmacSHA2"
    "56,cipherAlgorithm:AES/GCM/NoPadding,authenticationTagLength:128,iterations:2048,passwor"
    "dLength:12,encryptedPassword:bHFq1zKZqK/IEv8arrnujFwBYZdiSewaNymC6g==";

password_encoder make(password_encoder_settings s) {
  auto e = password_encoder::create(std::move(s));
  EXPECT_TRUE(e) << e.message();
  return std::move(e).value();
}

TEST(PasswordEncoder, DecodesWhatKafkaEncoded) {
  auto encoder = make({.secret = "encoder-secret"});
  auto cbc = encoder.decode(kafka_cbc);
  ASSERT_TRUE(cbc) << cbc.message();
  EXPECT_EQ(*cbc, "keystore-p\u00e4ssword");
  auto gcm = encoder.decode(kafka_gcm);  // the algorithms written beside the value are used
  ASSERT_TRUE(gcm) << gcm.message();
  EXPECT_EQ(*gcm, "gcm-password");
}

TEST(PasswordEncoder, RoundTripsWithEachCipher) {
  for (const char* cipher : {"AES/CBC/PKCS5Padding", "AES/GCM/NoPadding"}) {
    for (int bits : {128, 256}) {
      auto encoder =
          make({.secret = "s", .cipher_algorithm = cipher, .key_length = bits, .iterations = 1024});
      std::string encoded = encoder.encode("secret-\U0001F511");
      EXPECT_NE(encoded.find(std::string("cipherAlgorithm:") + cipher), std::string::npos);
      EXPECT_NE(encoded.find("passwordLength:9"), std::string::npos);  // UTF-16 units, as Java
      auto decoded = encoder.decode(encoded);
      ASSERT_TRUE(decoded) << cipher << " " << bits << ": " << decoded.message();
      EXPECT_EQ(*decoded, "secret-\U0001F511");
      EXPECT_NE(encoder.encode("secret"), encoder.encode("secret"));  // fresh salt and IV
    }
  }
}

TEST(PasswordEncoder, RefusesAWrongSecretAndDamagedValues) {
  auto other = make({.secret = "another-secret"});
  EXPECT_FALSE(other.decode(kafka_cbc));
  EXPECT_FALSE(other.decode(kafka_gcm));  // GCM's tag catches it for sure
  auto encoder = make({.secret = "encoder-secret"});
  EXPECT_FALSE(encoder.decode("plain-text-password"));
  std::string damaged = kafka_cbc;
  damaged.replace(damaged.find("passwordLength:17"), 17, "passwordLength:16");
  auto refused = encoder.decode(damaged);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.message(), "Password could not be decoded: sanity check of length failed");
}

TEST(PasswordEncoder, SettingsThatCannotWorkNameTheKey) {
  auto fails_naming = [](password_encoder_settings s, const std::string& key) {
    auto e = password_encoder::create(std::move(s));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.code(), errc::invalid_config);
    EXPECT_EQ(e.message().rfind(key + ":", 0), 0u) << e.message();
  };
  fails_naming({.secret = ""}, "password.encoder.secret");
  fails_naming({.secret = "s", .key_factory_algorithm = "MD5"},
               "password.encoder.keyfactory.algorithm");
  fails_naming({.secret = "s", .cipher_algorithm = "DES/CBC/PKCS5Padding"},
               "password.encoder.cipher.algorithm");
  fails_naming({.secret = "s", .key_length = 64}, "password.encoder.key.length");
  fails_naming({.secret = "s", .iterations = 10}, "password.encoder.iterations");
}

}  // namespace
}  // namespace sluice::security
