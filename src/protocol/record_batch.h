// Records inside a v2 record batch: reading (cursor/visitor over views), append validation for the
// produce path, and building batches (records, compression, producer fields, control markers).
//
// Owned by the protocol module (record-batch code); batch_header.h is the 61-byte header under it
// and compression.h the codecs. Layout: FACTS.md §2.
//
// Reading. record_batch_view::open() checks the framing (and by default the CRC), decompresses
// into a caller-owned scratch buffer when the batch is compressed (capped by
// max_decompressed_bytes), and hands out a record_cursor. Records are views into the batch or the
// scratch buffer: nothing is allocated per record, and every length is checked against the bytes
// that are left before it is used. The cursor also checks that offset deltas increase and stay
// within lastOffsetDelta, and that recordsCount records are present with no bytes after them.
// Gaps between offset deltas are accepted (compaction leaves them).
//
// Append validation (validate_for_append), two depths:
//   full            header framing, CRC, every record decoded (compressed batches are
//                   decompressed), count, offset deltas exactly 0..n-1, lastOffsetDelta = n-1,
//                   per-record timestamps against the topic's bounds, keys for compacted topics,
//                   control-batch rules. THE BROKER'S PRODUCE PATH USES THIS: it is what Kafka
//                   checks. After it the broker only patches the header (offsets, epoch,
//                   LogAppendTime or a wrong maxTimestamp) or, if the topic's compression.type
//                   differs from the batch's codec, rebuilds it with record_batch_builder.
//   header_and_crc  framing, CRC and header-level rules (count vs lastOffsetDelta, producer fields,
//                   header timestamps) without touching records: O(CRC) and no decompression.
//                   For bytes already validated by a leader (replica fetch), log recovery, tools.
//
// Error mapping (batch_errc -> Kafka error code, see kafka_error_code()). The rule: anything wrong
// with the envelope (header, CRC, compressed stream) is CORRUPT_MESSAGE; the bytes then are what
// the producer sent, so anything wrong with their content is INVALID_RECORD; timestamps outside
// the topic's bounds are INVALID_TIMESTAMP.
//   truncated, bad_batch_length, bad_magic, crc_mismatch,
//   unknown_compression, decompression_failed                       -> CORRUPT_MESSAGE (2)
//   bad_varint, record_truncated, bad_record, record_count_mismatch,
//   bad_offset_delta, last_offset_delta_mismatch, empty_batch,
//   control_batch_not_allowed, bad_control_record, missing_key,
//   bad_producer_fields                                             -> INVALID_RECORD (87)
//   timestamp_out_of_range                                          -> INVALID_TIMESTAMP (32)
//   decompressed_too_large                                          -> MESSAGE_TOO_LARGE (10)
//                                    (a Java producer then splits the batch and retries)
//   internal_error                                                  -> UNKNOWN_SERVER_ERROR (-1)
// Clients that predate INVALID_RECORD (KIP-467) report it as an unknown error; either way they do
// not retry, which is right for a batch they built wrongly.
//
// Building. record_batch_builder encodes records as they are added (one growing buffer, no copy of
// the inputs kept), then build() compresses, writes the header and the CRC. Control markers
// (COMMIT/ABORT with the coordinator epoch) have their own helpers.
//
// Thread-safety: all types are plain values used by one thread at a time; views borrow the bytes
// they were opened on (and the scratch buffer), which must outlive them and stay unmodified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "protocol/batch_header.h"
#include "protocol/compression.h"
#include "protocol/wire.h"

namespace sluice::protocol {

enum class batch_errc {
  // CORRUPT_MESSAGE (2): the envelope.
  truncated,             // fewer bytes than the header or than batchLength announces
  bad_batch_length,      // batchLength smaller than the header or not matching the bytes given
  bad_magic,             // magic is not 2
  crc_mismatch,          // CRC-32C over attributes..end differs from the crc field
  unknown_compression,   // codec id 5, 6 or 7
  decompression_failed,  // the compressed records are not a valid stream for their codec
  // INVALID_RECORD (87): the records.
  bad_varint,                  // a varint longer than its type allows
  record_truncated,            // a length points past the end of its record or of the batch
  bad_record,                  // a negative length, a null header key, bytes left inside a record
  record_count_mismatch,       // recordsCount differs from the records actually present
  bad_offset_delta,            // offset deltas not increasing within 0..lastOffsetDelta (append:
                               // not exactly 0, 1, ..., n-1)
  last_offset_delta_mismatch,  // append: lastOffsetDelta is not recordsCount - 1
  empty_batch,                 // append: a batch without records
  control_batch_not_allowed,   // append: a control batch from a producer
  bad_control_record,          // a control batch that is not one valid control record
  missing_key,                 // append to a compacted topic: a record without a key
  bad_producer_fields,         // a transactional batch without a producer id (sequences are
                               // the producer-state check's business, not this one's)
  // INVALID_TIMESTAMP (32)
  timestamp_out_of_range,  // a CreateTime timestamp outside the topic's before/after bounds
  // MESSAGE_TOO_LARGE (10)
  decompressed_too_large,  // the decompressed records exceed max_decompressed_bytes
  // UNKNOWN_SERVER_ERROR (-1)
  internal_error,  // a codec failed for a reason that is not the input's (out of memory)
};

std::string_view to_string(batch_errc e);

// The Kafka error code a handler answers with for `e` (the table above).
int16_t kafka_error_code(batch_errc e);

template <class T>
using batch_result = sluice::result<T, batch_errc>;

// Default cap on decompressed records. Set it from the broker config (e.g. a multiple of
// message.max.bytes); it bounds what one batch can make the broker allocate.
inline constexpr size_t default_max_decompressed_bytes = size_t{64} << 20;

// ---- records --------------------------------------------------------------------------------

// One record header. `key` is UTF-8 and never null; a null value is nullopt.
struct record_header {
  std::string_view key;
  std::optional<bytes_view> value;
};

// Iterates the headers of a record whose encoding the cursor has already checked.
class header_iterator {
 public:
  using value_type = record_header;
  using difference_type = std::ptrdiff_t;
  header_iterator() = default;
  header_iterator(bytes_view data, int32_t left);
  record_header operator*() const { return current_; }
  header_iterator& operator++();
  void operator++(int) { ++*this; }
  friend bool operator==(const header_iterator& a, const header_iterator& b) {
    return a.left_ == b.left_;
  }

 private:
  void load();
  bytes_view data_;
  size_t next_ = 0;  // where the header after current_ starts
  int32_t left_ = 0;
  record_header current_;
};

struct header_range {
  bytes_view data;
  int32_t count = 0;
  header_iterator begin() const { return header_iterator(data, count); }
  header_iterator end() const { return header_iterator(); }
  size_t size() const { return static_cast<size_t>(count); }
};

// One record, as views into the batch (or its decompressed records).
struct record_view {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<bytes_view> key;    // nullopt = null key
  std::optional<bytes_view> value;  // nullopt = null value (a tombstone)
  int32_t header_count = 0;
  bytes_view header_data;  // the encoded headers
  bytes_view encoded;      // the whole record, its length prefix included

  header_range headers() const { return header_range{header_data, header_count}; }
  // Offsets and timestamps wrap instead of overflowing on hostile headers (validation rejects
  // timestamps that overflow).
  int64_t offset(const batch_header& h) const { return wrap_add(h.base_offset, offset_delta); }
  // The record's timestamp: the batch's maxTimestamp under LogAppendTime, else base + delta.
  int64_t timestamp(const batch_header& h) const {
    return h.ts_type() == timestamp_type::log_append_time
               ? h.max_timestamp
               : wrap_add(h.base_timestamp, timestamp_delta);
  }

 private:
  static int64_t wrap_add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  }
};

// Walks the records section of one batch (already decompressed), one record per next().
class record_cursor {
 public:
  record_cursor() = default;
  // `records`: the bytes after the 61-byte header (decompressed); `count` and `last_offset_delta`
  // from the header.
  record_cursor(bytes_view records, int32_t count, int32_t last_offset_delta);

  // Reads the next record into `out`: true when it did, false after the last record (the section
  // ended exactly there), an error when the records are malformed. After an error or false, keeps
  // returning the same.
  batch_result<bool> next(record_view& out);

  int32_t records_read() const { return read_; }

 private:
  batch_result<bool> failed(batch_errc e, const char* what);
  bytes_view data_;
  size_t pos_ = 0;
  int32_t count_ = 0;
  int32_t last_offset_delta_ = 0;
  int32_t read_ = 0;
  int64_t previous_delta_ = -1;
  bool done_ = false;
  std::optional<batch_errc> error_;
};

// ---- reading a batch ------------------------------------------------------------------------

struct read_options {
  bool verify_crc = true;
  size_t max_decompressed_bytes = default_max_decompressed_bytes;
};

// One batch opened for reading its records. Borrows the batch bytes and the scratch buffer.
class record_batch_view {
 public:
  // `batch` must be exactly one batch (batch_frame_size() splits a blob). Checks the framing and
  // compression id, the CRC if asked, and decompresses into `scratch` (caller-owned, reused across
  // batches) when compressed. Records are not examined until iterated.
  static batch_result<record_batch_view> open(bytes_view batch, std::vector<uint8_t>& scratch,
                                              const read_options& options = {});

  const batch_header& header() const { return header_; }
  bytes_view batch() const { return batch_; }
  // The records section after decompression (the batch's own bytes when uncompressed).
  bytes_view records_data() const { return records_; }
  record_cursor records() const {
    return record_cursor(records_, header_.records_count, header_.last_offset_delta);
  }

  // Calls f(const record_view&) for each record. f may return bool: false stops early (success).
  template <class F>
  batch_result<void> for_each(F&& f) const;

 private:
  batch_header header_;
  bytes_view batch_;
  bytes_view records_;
};

// ---- validation on append -------------------------------------------------------------------

enum class validation_depth { header_and_crc, full };

struct append_validation_options {
  validation_depth depth = validation_depth::full;
  size_t max_decompressed_bytes = default_max_decompressed_bytes;
  // The topic's message.timestamp.type. With log_append_time no timestamp is checked (the broker
  // overwrites them with set_log_append_time()).
  timestamp_type topic_timestamp_type = timestamp_type::create_time;
  // CreateTime bounds (message.timestamp.before.max.ms / after.max.ms, or the older
  // difference.max.ms for both): a timestamp t is rejected when now - t > before or t - now >
  // after. Timestamps of -1 (none) are not checked.
  int64_t now_ms = 0;
  int64_t max_timestamp_before_ms = std::numeric_limits<int64_t>::max();
  int64_t max_timestamp_after_ms = std::numeric_limits<int64_t>::max();
  bool require_keys = false;           // cleanup.policy includes compact
  bool allow_control_batches = false;  // only for markers the broker itself writes
  // Full depth: records without a key (require_keys) and records with a timestamp outside the
  // bounds do not stop the check at the first; every one is listed (Kafka's RecordError: the
  // record's index in the batch and Kafka's message, naming `partition`, "topic-0") in
  // `record_errors` when given, and the failure is Kafka's summary of them (KIP-467).
  struct record_error {
    int32_t batch_index = 0;
    std::string message;
  };
  std::vector<record_error>* record_errors = nullptr;
  std::string_view partition;
};

// What the broker needs from a validated batch.
struct append_summary {
  batch_header header;
  int32_t record_count = 0;
  // Largest record timestamp (full: computed from the records; header_and_crc: the header's) and
  // the offset delta of the first record carrying it, for the time index.
  int64_t max_timestamp = -1;
  int32_t offset_delta_of_max_timestamp = -1;
  // Whether the header's maxTimestamp equals the computed one (always true for header_and_crc).
  // Kafka fixes a wrong one silently: use set_max_timestamp() when false.
  bool header_max_timestamp_matches = true;
  // Bytes of records after decompression (full depth; the stored size otherwise).
  size_t records_size = 0;
};

// Validates one produced batch (exactly one batch's bytes). `scratch` holds decompressed records
// during the call (reuse it across calls). See the header comment for the depths and errors.
batch_result<append_summary> validate_for_append(bytes_view batch,
                                                 const append_validation_options& options,
                                                 std::vector<uint8_t>& scratch);
// The same with a temporary scratch buffer (tests, tools).
batch_result<append_summary> validate_for_append(bytes_view batch,
                                                 const append_validation_options& options = {});

// ---- control records ------------------------------------------------------------------------

enum class control_type : int16_t {
  abort = 0,
  commit = 1,
  leader_change = 2,
  snapshot_header = 3,
  snapshot_footer = 4,
  kraft_version = 5,
  kraft_voters = 6,
};

// The key of a control record: int16 version, int16 type. Unknown types parse (readers ignore
// them); only the length and version 0 are checked.
struct control_record_key {
  int16_t version = 0;
  control_type type = control_type::abort;
};
batch_result<control_record_key> parse_control_key(const record_view& record);

// A COMMIT/ABORT marker: the value is int16 version (0) and int32 coordinator epoch.
struct end_txn_marker {
  control_type type = control_type::commit;  // commit or abort
  int32_t coordinator_epoch = 0;
};
// Parses a COMMIT/ABORT control record (key and value); bad_control_record otherwise.
batch_result<end_txn_marker> parse_end_txn_marker(const record_view& record);

// ---- building -------------------------------------------------------------------------------

struct batch_builder_options {
  compression_type compression = compression_type::none;
  std::optional<int> compression_level;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  // With log_append_time the batch carries that attribute and maxTimestamp = log_append_time_ms.
  timestamp_type ts_type = timestamp_type::create_time;
  int64_t log_append_time_ms = -1;
  // Set by the log cleaner (KIP-534): the batch gets the delete-horizon attribute and its
  // baseTimestamp holds this time; record timestamps stay what they were (deltas from it).
  std::optional<int64_t> delete_horizon_ms;
};

// Builds one v2 batch. baseTimestamp is the first record's timestamp, offset deltas count from 0
// (skip_offsets() leaves gaps), maxTimestamp is the largest record timestamp.
class record_batch_builder {
 public:
  explicit record_batch_builder(batch_builder_options options = {});

  void add(int64_t timestamp, std::optional<bytes_view> key, std::optional<bytes_view> value,
           std::span<const record_header> headers = {});
  // The next record gets an offset delta `n` higher than it would have (as compaction leaves it).
  void skip_offsets(int32_t n) { next_offset_delta_ += n; }

  int32_t record_count() const { return count_; }
  // Encoded size of the records so far, before compression (to cut batches at a size).
  size_t records_size() const { return records_.size(); }
  // The batch size if built without compression.
  size_t uncompressed_batch_size() const { return batch_header::size + records_.size(); }

  // Encodes the batch. Fails only if the codec fails (internal_error). The builder may be reused
  // after reset().
  batch_result<std::vector<uint8_t>> build() const;
  void reset();

 private:
  batch_builder_options options_;
  writer records_;  // the encoded records, appended as they are added
  int32_t count_ = 0;
  int32_t next_offset_delta_ = 0;
  int64_t base_timestamp_ = -1;
  int64_t max_timestamp_ = -1;
};

// A control batch with one COMMIT or ABORT marker for `producer_id`/`producer_epoch`, written by
// the broker when a transaction ends (transactional + control attributes, baseSequence -1).
struct end_txn_marker_batch {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  end_txn_marker marker;
  int64_t timestamp_ms = -1;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
};
std::vector<uint8_t> build_end_txn_marker_batch(const end_txn_marker_batch& spec);

// ---- template implementation -----------------------------------------------------------------

template <class F>
batch_result<void> record_batch_view::for_each(F&& f) const {
  record_cursor cursor = records();
  record_view record;
  for (;;) {
    batch_result<bool> more = cursor.next(record);
    if (!more) return std::move(more).error();
    if (!*more) return ok_v;
    if constexpr (std::is_same_v<std::invoke_result_t<F&, const record_view&>, bool>) {
      if (!f(static_cast<const record_view&>(record))) return ok_v;
    } else {
      f(static_cast<const record_view&>(record));
    }
  }
}

}  // namespace sluice::protocol
