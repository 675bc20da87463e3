// The records the coordinator keeps in __consumer_offsets, in Kafka's key/value formats
// (FACTS.md §2.6), so a Kafka broker could read our log and we could read its:
//
//   offset commit   key   int16 1 | OffsetCommitKey v1 {group, topic, partition}
//                   value int16 3 | OffsetCommitValue v3 {offset, leaderEpoch, metadata,
//                                                         commitTimestamp}
//                         (int16 1 | OffsetCommitValue v1 when the commit has an expire timestamp)
//   group metadata  key   int16 2 | GroupMetadataKey v2 {group}
//                   value int16 3 | GroupMetadataValue v3 {protocolType, generation, protocol,
//                                                          leader, currentStateTimestamp, members}
//   tombstone       the same key with a null value
//
//   consumer groups (KIP-848, Kafka 4.x's formats; the key prefix is the record type, values v0):
//                   3 ConsumerGroupMetadata {epoch, metadataHash}
//                   5 ConsumerGroupMemberMetadata {subscription}
//                   6 ConsumerGroupTargetAssignmentMetadata {assignmentEpoch}
//                   7 ConsumerGroupTargetAssignmentMember {topicPartitions}
//                   8 ConsumerGroupCurrentMemberAssignment {memberEpoch, state, partitions}
//
// These are the versions Kafka 3.9 (classic groups) and 4.x (consumer groups) write. Reading
// accepts every version of the schemas (keys 0-2, values 0-4; a newer value version is read as the
// newest known, since they only add tagged fields); other record types (4.x's partition metadata
// and regular expressions, share and streams groups) are recognised and skipped. Pure functions;
// any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "coordinator/consumer_group.h"
#include "coordinator/errc.h"
#include "coordinator/share_group.h"
#include "coordinator/types.h"
#include "protocol/generated/group_metadata_value.h"
#include "protocol/wire.h"

namespace sluice::coordinator {

// The transaction a record of __consumer_offsets belongs to: TxnOffsetCommit writes its offsets
// in a transactional batch of the producer; the transaction coordinator ends it with a COMMIT or
// ABORT marker (a control batch) in the same partition.
struct txn_tag {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  // Set on a marker (a record with no key or value of its own): true for COMMIT, false for ABORT.
  std::optional<bool> marker_commits;
  friend bool operator==(const txn_tag&, const txn_tag&) = default;
};

// One record of __consumer_offsets: what the coordinator asks the broker to append, and what the
// broker hands back when a partition is loaded. `timestamp_ms` is the record's CreateTime. The
// records of one append share their `txn` (all of them transactional for one producer, or none).
struct log_record {
  protocol::bytes key;
  std::optional<protocol::bytes> value;  // nullopt: a tombstone
  int64_t timestamp_ms = -1;
  std::optional<txn_tag> txn;
  friend bool operator==(const log_record&, const log_record&) = default;
};

inline constexpr int16_t offset_commit_key_version = 1;
inline constexpr int16_t group_metadata_key_version = 2;
inline constexpr int16_t group_metadata_value_version = 3;

log_record offset_commit_record(std::string_view group, const topic_partition& tp,
                                const committed_offset& value, int64_t now_ms);
log_record offset_commit_tombstone(std::string_view group, const topic_partition& tp,
                                   int64_t now_ms);
log_record group_metadata_record(std::string_view group,
                                 const protocol::group_metadata_value& value, int64_t now_ms);
log_record group_metadata_tombstone(std::string_view group, int64_t now_ms);

// A decoded record.
struct offset_commit_entry {
  std::string group;
  topic_partition tp;
  std::optional<committed_offset> value;  // nullopt: tombstone
};
struct group_metadata_entry {
  std::string group;
  std::optional<protocol::group_metadata_value> value;  // nullopt: tombstone
};
struct foreign_entry {  // a record kind this coordinator does not keep (streams groups, ...)
  int16_t key_version = 0;
};
using decoded_record = std::variant<offset_commit_entry, group_metadata_entry, consumer_record,
                                    share_record, foreign_entry>;

// A consumer group's record (a tombstone when the record says `deleted`).
log_record consumer_group_record(const consumer_record& record, int64_t now_ms);
// Record types 3, 5-8 and 16; nullopt for any other type.
std::optional<result<consumer_record>> decode_consumer_record(int16_t type,
                                                              protocol::bytes_view key,
                                                              std::optional<int16_t> value_version,
                                                              protocol::bytes_view value);

// A share group's record (ShareGroup* keys 10-15).
log_record share_group_record(const share_record& record, int64_t now_ms);
// Record types 10-15; nullopt for any other type.
std::optional<result<share_record>> decode_share_record(int16_t type, protocol::bytes_view key,
                                                        std::optional<int16_t> value_version,
                                                        protocol::bytes_view value);

result<decoded_record> decode_record(protocol::bytes_view key,
                                     std::optional<protocol::bytes_view> value);

// The bytes of a versioned key or value: int16 version, then the struct at that version.
template <class Message>
protocol::bytes encode_versioned(const Message& message, int16_t version) {
  protocol::writer w;
  w.write_int16(version);
  auto r = message.encode(w, version);
  SLUICE_ASSERT(r.ok(), "a coordinator record does not encode");
  return w.take_buffer();
}

}  // namespace sluice::coordinator
