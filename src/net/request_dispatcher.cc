#include "net/request_dispatcher.h"

#include "base/assert.h"

namespace sluice::net {

std::string connection_info::client_address() const {
  if (client_host.find(':') != std::string::npos) {
    return "[" + client_host + "]:" + std::to_string(client_port);
  }
  return client_host + ":" + std::to_string(client_port);
}

outbound_response outbound_response::none() {
  outbound_response r;
  r.no_response = true;
  return r;
}

outbound_response outbound_response::close() {
  outbound_response r;
  r.no_response = true;
  r.close_connection = true;
  return r;
}

outbound_response outbound_response::with(protocol::writer body) {
  outbound_response r;
  r.frame_body = std::move(body);
  return r;
}

response_callback& response_callback::operator=(response_callback&& other) noexcept {
  if (this != &other) {
    if (sink_) sink_->abandon(sequence_);
    sink_ = std::move(other.sink_);
    sequence_ = other.sequence_;
  }
  return *this;
}

response_callback::~response_callback() {
  if (sink_) sink_->abandon(sequence_);
}

void response_callback::operator()(outbound_response response) {
  SLUICE_ASSERT(sink_ != nullptr, "response_callback invoked twice or after being moved from");
  auto sink = std::move(sink_);
  sink->complete(sequence_, std::move(response));
}

}  // namespace sluice::net
