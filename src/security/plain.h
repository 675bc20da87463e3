// SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer with PlainServerCallbackHandler: the token is
// [authzid] NUL authcid NUL passwd; the password is checked in constant time against the
// user_<name>="<password>" options of the listener's PlainLoginModule JAAS entry. Kafka's errors,
// all errc::authentication_failed (their messages reach the client). And the client side.
// See sasl_server.h for ownership and threads.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "security/sasl_server.h"

namespace sluice::security {

// user name → password, from the JAAS options user_<name>="<password>".
using plain_users = std::map<std::string, std::string, std::less<>>;

class plain_server final : public sasl_server {
 public:
  explicit plain_server(std::shared_ptr<const plain_users> users) : users_(std::move(users)) {}
  std::string_view mechanism() const override { return "PLAIN"; }
  result<byte_string> evaluate(std::span<const uint8_t> token) override;
  bool complete() const override { return complete_; }
  const std::string& authorization_id() const override { return authorization_id_; }

 private:
  std::shared_ptr<const plain_users> users_;
  bool complete_ = false;
  std::string authorization_id_;
};

class plain_client final : public sasl_client {
 public:
  plain_client(std::string username, std::string password)
      : username_(std::move(username)), password_(std::move(password)) {}
  std::string_view mechanism() const override { return "PLAIN"; }
  result<byte_string> evaluate(std::span<const uint8_t> server_token) override;
  bool complete() const override { return sent_; }

 private:
  std::string username_, password_;
  bool sent_ = false;
};

}  // namespace sluice::security
