#include "transaction/log_records.h"

#include <string>

#include "protocol/generated/transaction_log_key.h"
#include "protocol/generated/transaction_log_value.h"

namespace sluice::transaction {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::malformed_key:
      return "malformed record key";
    case errc::malformed_value:
      return "malformed record value";
  }
  return "unknown transaction error";
}

namespace {

protocol::bytes key_bytes(std::string_view transactional_id) {
  protocol::transaction_log_key key;
  key.transactional_id = std::string(transactional_id);
  return coordinator::encode_versioned(key, txn_key_version);
}

}  // namespace

log_record txn_log_record(std::string_view transactional_id, const txn_record& value,
                          int64_t now_ms) {
  protocol::transaction_log_value v;
  v.producer_id = value.pid.value();
  v.producer_epoch = value.epoch.value();
  v.transaction_timeout_ms = value.timeout_ms;
  v.transaction_status = static_cast<int8_t>(value.state);
  if (value.state == txn_state::empty) {
    v.transaction_partitions.reset();
  } else {
    auto& topics = v.transaction_partitions.emplace();
    for (const auto& tp : value.partitions) {
      if (topics.empty() || topics.back().topic != tp.topic) {
        topics.emplace_back().topic = tp.topic;
      }
      topics.back().partition_ids.push_back(tp.partition);
    }
  }
  v.transaction_last_update_timestamp_ms = value.last_update_ms;
  v.transaction_start_timestamp_ms = value.start_ms;
  return log_record{key_bytes(transactional_id),
                    coordinator::encode_versioned(v, txn_value_version), now_ms};
}

log_record txn_log_tombstone(std::string_view transactional_id, int64_t now_ms) {
  return log_record{key_bytes(transactional_id), std::nullopt, now_ms};
}

result<decoded_txn_record> decode_txn_record(protocol::bytes_view key,
                                             std::optional<protocol::bytes_view> value) {
  protocol::reader kr(key);
  int16_t key_version = kr.read_int16();
  if (!kr.ok()) return fail(errc::malformed_key, "key shorter than its version");
  if (key_version != txn_key_version) return decoded_txn_record{unknown_key{key_version}};
  protocol::transaction_log_key k;
  if (!k.decode(kr, key_version).ok() || !kr.ok()) {
    return fail(errc::malformed_key, "bad TransactionLogKey");
  }
  txn_entry entry{std::move(k.transactional_id), std::nullopt};
  if (!value) return decoded_txn_record{std::move(entry)};

  protocol::reader vr(*value);
  int16_t value_version = vr.read_int16();
  if (!vr.ok()) return fail(errc::malformed_value, "value shorter than its version");
  if (value_version < protocol::transaction_log_value::min_version ||
      value_version > protocol::transaction_log_value::max_version) {
    return fail(errc::malformed_value,
                "TransactionLogValue version " + std::to_string(value_version) + " is unknown");
  }
  protocol::transaction_log_value v;
  if (!v.decode(vr, value_version).ok() || !vr.ok()) {
    return fail(errc::malformed_value, "bad TransactionLogValue");
  }
  auto state = txn_state_from_id(v.transaction_status);
  if (!state) {
    return fail(errc::malformed_value,
                "unknown transaction status " + std::to_string(v.transaction_status));
  }
  txn_record r;
  r.pid = producer_id{v.producer_id};
  r.epoch = producer_epoch{v.producer_epoch};
  r.timeout_ms = v.transaction_timeout_ms;
  r.state = *state;
  if (r.state != txn_state::empty && v.transaction_partitions) {
    for (const auto& t : *v.transaction_partitions) {
      for (int32_t p : t.partition_ids) r.partitions.insert(topic_partition{t.topic, p});
    }
  }
  r.last_update_ms = v.transaction_last_update_timestamp_ms;
  r.start_ms = v.transaction_start_timestamp_ms;
  entry.value = std::move(r);
  return decoded_txn_record{std::move(entry)};
}

}  // namespace sluice::transaction
