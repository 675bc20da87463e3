// Produce (key 0), v0–v11. From v3 each partition's records must be exactly one v2 batch; it is
// appended as received (offsets and epoch patched in place, no copy). v0–v2 carry a legacy
// (magic 0/1) message set, or a v2 batch: a legacy set is parsed and up-converted to one v2 batch
// (protocol/legacy_records.h, as Kafka 3.x's LogValidator does; magic 0 records get no
// timestamp), which then takes the same road; only this path copies.
// The partition leader checks idempotent and transactional batches against the producer's state
// (replication, storage), and a transactional batch that would open a transaction in a partition
// is first verified with its transaction coordinator (KIP-890, see replica_manager::append).
// Authorization as Kafka's: WRITE on the transactional id for transactional batches (else the
// whole request is TRANSACTIONAL_ID_AUTHORIZATION_FAILED), WRITE on each topic
// (TOPIC_AUTHORIZATION_FAILED); idempotent batches need nothing more (KIP-679: topic WRITE
// implies idempotent writes).

#include <variant>

#include "cluster/topic_name.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "protocol/batch_header.h"
#include "protocol/generated/produce.h"
#include "protocol/legacy_records.h"
#include "quota/client_quotas.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using response_t = protocol::produce_response;
using partition_response = response_t::topic_produce_response::partition_produce_response;

// Where a partition's answer goes, and the request bytes it was appended from.
struct slot {
  size_t topic;
  size_t partition;
  std::optional<size_t> entry;  // index into the append entries, if appended
};

partition_response error_response(int32_t index, error_code code, std::string message = {}) {
  partition_response r;
  r.index = index;
  r.error_code = code_of(code);
  if (!message.empty()) r.error_message = std::move(message);
  return r;
}

// Only one batch per partition, as Kafka requires since the v2 format.
bool exactly_one_batch(const protocol::records& records) {
  auto data = records.data();
  if (data.size() < protocol::batch_header::size) return false;
  auto header = protocol::batch_header::parse(data);
  return header && header->total_size() == static_cast<int64_t>(data.size());
}

bool is_transactional(const protocol::records& records) {
  auto data = records.data();
  if (data.size() <= protocol::batch_header::magic_at ||
      data[protocol::batch_header::magic_at] != 2)
    return false;  // legacy message sets have no producer fields
  auto header = protocol::batch_header::parse(data);
  return header && header->is_transactional();
}

// Produce v0-2: a legacy message set up-converted to one v2 batch, or the error to answer with.
// Clients of these versions predate INVALID_RECORD, so malformed sets are CORRUPT_MESSAGE.
std::variant<std::vector<uint8_t>, partition_response> up_convert(
    int32_t index, const protocol::records& records) {
  auto set = protocol::legacy::parse_message_set(records.data());
  if (set && set->messages.empty())
    return error_response(index, error_code::corrupt_message, "empty message set");
  if (!set) {
    const bool too_large =
        set.error().code == protocol::legacy::legacy_errc::decompressed_too_large;
    return error_response(index,
                          too_large ? error_code::message_too_large : error_code::corrupt_message,
                          set.error().message);
  }
  auto batch = protocol::legacy::to_record_batch(*set, set->compression);
  if (!batch) return error_response(index, error_code::unknown_server_error, batch.message());
  return std::move(*batch);
}

}  // namespace

namespace {

sampled_rate::time_ms quota_clock_now() {
  return std::chrono::duration_cast<sampled_rate::time_ms>(
      std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

void handle_produce(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::produce_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();

  bool acks_valid = request.acks == 0 || request.acks == 1 || request.acks == -1;
  // Transactional batches need the transactional id they belong to, and WRITE on it (Kafka
  // refuses the whole request otherwise); every topic needs WRITE.
  const access acl(ctx);
  bool transactional = false;
  for (const auto& topic : request.topic_data)
    for (const auto& part : topic.partition_data)
      if (!part.records.is_null() && is_transactional(part.records)) transactional = true;
  const bool id_refused = transactional && (!request.transactional_id ||
                                            !acl.allows_transactional_id(
                                                acl_operation::write, *request.transactional_id));
  // v13 names topics by id (KIP-516): each id's name is looked up once (an indexed lookup); an id
  // of no topic is answered UNKNOWN_TOPIC_ID.
  std::vector<bool> unknown_id(request.topic_data.size(), false);
  if (version >= 13) {
    for (size_t i = 0; i < request.topic_data.size(); ++i) {
      auto& topic = request.topic_data[i];
      if (auto name = ctx.services.metadata.topic_name(topic.topic_id))
        topic.name = std::move(*name);
      else
        unknown_id[i] = true;
    }
  }
  const auto writable = acl.allowed(acl_operation::write, resource_type::topic, request.topic_data,
                                    [](const auto& t) -> const std::string& { return t.name; });
  response_t response;
  std::vector<replication::append_entry> entries;
  std::vector<slot> slots;
  std::vector<std::vector<uint8_t>> converted;  // up-converted legacy sets (v0-2)
  auto* frame_start = const_cast<uint8_t*>(ctx.frame->data());
  for (size_t i = 0; i < request.topic_data.size(); ++i) {
    const auto& topic = request.topic_data[i];
    auto& topic_out = response.responses.emplace_back();
    topic_out.name = topic.name;
    topic_out.topic_id = topic.topic_id;
    bool internal = cluster::is_internal_topic(topic.name);
    for (const auto& part : topic.partition_data) {
      size_t t = response.responses.size() - 1;
      size_t p = topic_out.partition_responses.size();
      if (unknown_id[i]) {
        topic_out.partition_responses.push_back(
            error_response(part.index, error_code::unknown_topic_id));
        continue;
      }
      if (id_refused) {
        topic_out.partition_responses.push_back(
            error_response(part.index, error_code::transactional_id_authorization_failed));
        continue;
      }
      if (!writable.contains(topic.name)) {
        topic_out.partition_responses.push_back(
            error_response(part.index, error_code::topic_authorization_failed));
        continue;
      }
      if (!acks_valid) {
        topic_out.partition_responses.push_back(
            error_response(part.index, error_code::invalid_required_acks));
        continue;
      }
      if (internal) {
        topic_out.partition_responses.push_back(
            error_response(part.index, error_code::invalid_topic_exception,
                           "Cannot append to internal topic " + topic.name));
        continue;
      }
      if (version < 3 && !part.records.is_null() &&
          protocol::legacy::is_legacy(part.records.data())) {
        auto batch = up_convert(part.index, part.records);
        if (auto* error = std::get_if<partition_response>(&batch)) {
          topic_out.partition_responses.push_back(std::move(*error));
          continue;
        }
        topic_out.partition_responses.push_back(error_response(part.index, error_code::none));
        converted.push_back(std::get<std::vector<uint8_t>>(std::move(batch)));
        slots.push_back({t, p, entries.size()});
        entries.push_back({topic.name, part.index, std::span<uint8_t>(converted.back())});
        continue;
      }
      if (part.records.is_null() || !exactly_one_batch(part.records)) {
        topic_out.partition_responses.push_back(error_response(
            part.index, version >= 8 ? error_code::invalid_record : error_code::corrupt_message,
            "Produce requests must carry exactly one record batch per partition"));
        continue;
      }
      topic_out.partition_responses.push_back(error_response(part.index, error_code::none));
      // The request frame is ours: patch the batch in place rather than copying it.
      auto view = part.records.data();
      std::span<uint8_t> batch(frame_start + (view.data() - ctx.frame->data()), view.size());
      slots.push_back({t, p, entries.size()});
      entries.push_back({topic.name, part.index, batch});
    }
  }

  // Completed by the replica manager, possibly later on another thread (acks=-1).
  struct pending {
    response_t response;
    std::vector<slot> slots;
    int16_t acks;
    int16_t version;
    std::shared_ptr<const protocol::bytes> frame;  // keeps the batches alive until answered
    std::vector<std::vector<uint8_t>> converted;   // so do these (moving keeps their buffers)
    responder reply;
    quota::client_quotas* quotas;
    std::string user, client_id;  // the quota entity's parts
  };
  auto state = std::make_shared<pending>(
      pending{std::move(response), std::move(slots), request.acks, version, ctx.frame,
              std::move(converted), std::move(reply), ctx.services.quotas,
              quota::quota_user(ctx.connection->session->principal()), ctx.client_id()});
  auto finish = [state](std::vector<replication::append_outcome> outcomes) {
    for (const auto& s : state->slots) {
      auto& out = state->response.responses[s.topic].partition_responses[s.partition];
      const auto& o = outcomes[*s.entry];
      out.error_code = code_of(o.error);
      out.base_offset = o.error ? -1 : o.base_offset;
      out.log_append_time_ms = o.log_append_time;
      if (state->version >= 5) out.log_start_offset = o.log_start_offset;
      if (state->version >= 8) {
        if (o.error && !o.message.empty()) out.error_message = o.message;
        for (const auto& [index, message] : o.record_errors) {
          auto& e = out.record_errors.emplace_back();
          e.batch_index = index;
          e.batch_index_error_message = message;
        }
      }
    }
    // The produce byte-rate quota (KIP-219): the request's size is charged once it is appended;
    // over the quota the response says how long to wait and the connection is muted that long.
    if (state->quotas != nullptr) {
      auto throttle = state->quotas->produce.record(state->user, state->client_id,
                                                    static_cast<double>(state->frame->size()),
                                                    quota_clock_now());
      if (throttle.count() > 0) {
        state->response.throttle_time_ms = static_cast<int32_t>(throttle.count());
        state->reply.throttle(throttle);
      }
    }
    if (state->acks == 0) return state->reply.send_nothing();
    state->reply.send(state->response);
  };
  std::optional<replication::produce_transaction> transaction;
  if (request.transactional_id)
    transaction = replication::produce_transaction{*request.transactional_id, version >= 11};
  ctx.services.replicas.append(request.acks, request.timeout_ms, std::move(entries),
                               std::move(finish), std::move(transaction));
}

}  // namespace sluice::handlers
