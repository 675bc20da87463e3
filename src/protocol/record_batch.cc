// Record-batch reading, append validation and building (see record_batch.h).
#include "protocol/record_batch.h"

#include <algorithm>
#include <string>

#include "base/assert.h"
#include "protocol/wire.h"

namespace sluice::protocol {

namespace {

// The smallest possible record: length, attributes, timestampDelta, offsetDelta, keyLength,
// valueLength and headerCount, one byte each.
constexpr size_t kMinRecordSize = 7;

int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

batch_errc reader_error(const reader& r) {
  return r.error() == errc::invalid_varint ? batch_errc::bad_varint : batch_errc::record_truncated;
}

// A varint length that may be -1 (null) and must fit in what is left of `r`. Returns -2 (and
// sets `error`) when it is malformed.
int32_t read_nullable_length(reader& r, batch_errc& error, const char*& what, const char* field) {
  int32_t length = r.read_varint();
  if (!r.ok()) {
    error = reader_error(r);
    what = field;
    return -2;
  }
  if (length < -1) {
    error = batch_errc::bad_record;
    what = field;
    return -2;
  }
  if (length > 0 && static_cast<size_t>(length) > r.remaining()) {
    error = batch_errc::record_truncated;
    what = field;
    return -2;
  }
  return length;
}

uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

std::string_view to_string(batch_errc e) {
  switch (e) {
    case batch_errc::truncated:
      return "record batch truncated";
    case batch_errc::bad_batch_length:
      return "bad record batch length";
    case batch_errc::bad_magic:
      return "record batch magic is not 2";
    case batch_errc::crc_mismatch:
      return "record batch CRC mismatch";
    case batch_errc::unknown_compression:
      return "unknown compression codec";
    case batch_errc::decompression_failed:
      return "corrupt compressed records";
    case batch_errc::bad_varint:
      return "malformed varint in a record";
    case batch_errc::record_truncated:
      return "record field past the end";
    case batch_errc::bad_record:
      return "malformed record";
    case batch_errc::record_count_mismatch:
      return "record count mismatch";
    case batch_errc::bad_offset_delta:
      return "bad record offset delta";
    case batch_errc::last_offset_delta_mismatch:
      return "lastOffsetDelta mismatch";
    case batch_errc::empty_batch:
      return "record batch without records";
    case batch_errc::control_batch_not_allowed:
      return "control batch not allowed";
    case batch_errc::bad_control_record:
      return "bad control record";
    case batch_errc::missing_key:
      return "record without a key on a compacted topic";
    case batch_errc::bad_producer_fields:
      return "bad producer id/epoch/sequence";
    case batch_errc::timestamp_out_of_range:
      return "record timestamp out of range";
    case batch_errc::decompressed_too_large:
      return "decompressed records too large";
    case batch_errc::internal_error:
      return "internal error";
  }
  return "unknown";
}

int16_t kafka_error_code(batch_errc e) {
  switch (e) {
    case batch_errc::truncated:
    case batch_errc::bad_batch_length:
    case batch_errc::bad_magic:
    case batch_errc::crc_mismatch:
    case batch_errc::unknown_compression:
    case batch_errc::decompression_failed:
      return 2;  // CORRUPT_MESSAGE
    case batch_errc::bad_varint:
    case batch_errc::record_truncated:
    case batch_errc::bad_record:
    case batch_errc::record_count_mismatch:
    case batch_errc::bad_offset_delta:
    case batch_errc::last_offset_delta_mismatch:
    case batch_errc::empty_batch:
    case batch_errc::control_batch_not_allowed:
    case batch_errc::bad_control_record:
    case batch_errc::missing_key:
    case batch_errc::bad_producer_fields:
      return 87;  // INVALID_RECORD
    case batch_errc::timestamp_out_of_range:
      return 32;  // INVALID_TIMESTAMP
    case batch_errc::decompressed_too_large:
      return 10;  // MESSAGE_TOO_LARGE
    case batch_errc::internal_error:
      return -1;  // UNKNOWN_SERVER_ERROR
  }
  return -1;
}

// ---- headers --------------------------------------------------------------------------------

header_iterator::header_iterator(bytes_view data, int32_t left) : data_(data), left_(left) {
  if (left_ > 0) load();
}

header_iterator& header_iterator::operator++() {
  if (--left_ > 0) load();
  return *this;
}

// The cursor checked the encoding, so this only decodes.
void header_iterator::load() {
  reader r(data_.subspan(next_));
  int32_t key_length = r.read_varint();
  bytes_view key = r.read_raw(static_cast<size_t>(std::max(key_length, 0)));
  current_.key = std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
  int32_t value_length = r.read_varint();
  if (value_length < 0) {
    current_.value.reset();
  } else {
    current_.value = r.read_raw(static_cast<size_t>(value_length));
  }
  next_ += r.position();
}

// ---- record cursor --------------------------------------------------------------------------

record_cursor::record_cursor(bytes_view records, int32_t count, int32_t last_offset_delta)
    : data_(records), count_(count), last_offset_delta_(last_offset_delta) {}

batch_result<bool> record_cursor::failed(batch_errc e, const char* what) {
  error_ = e;
  return fail(e, "record " + std::to_string(read_) + ": " + what);
}

batch_result<bool> record_cursor::next(record_view& out) {
  if (error_) return *error_;
  if (done_) return false;
  if (pos_ == data_.size()) {
    if (read_ != count_)
      return failed(batch_errc::record_count_mismatch, "fewer than recordsCount");
    done_ = true;
    return false;
  }
  if (read_ >= count_) return failed(batch_errc::record_count_mismatch, "more than recordsCount");

  reader outer(data_.subspan(pos_));
  int32_t length = outer.read_varint();
  if (!outer.ok()) return failed(reader_error(outer), "record length");
  if (length < 0) return failed(batch_errc::bad_record, "negative record length");
  if (static_cast<size_t>(length) > outer.remaining())
    return failed(batch_errc::record_truncated, "record length past the end of the batch");
  size_t body_at = pos_ + outer.position();
  bytes_view body = data_.subspan(body_at, static_cast<size_t>(length));

  reader r(body);
  out.attributes = r.read_int8();
  out.timestamp_delta = r.read_varlong();
  out.offset_delta = r.read_varint();
  if (!r.ok()) return failed(reader_error(r), "attributes, timestamp or offset delta");

  batch_errc error = batch_errc::bad_record;
  const char* what = "";
  int32_t key_length = read_nullable_length(r, error, what, "key length");
  if (key_length < -1) return failed(error, what);
  out.key = key_length < 0 ? std::nullopt
                           : std::optional<bytes_view>(r.read_raw(static_cast<size_t>(key_length)));
  int32_t value_length = read_nullable_length(r, error, what, "value length");
  if (value_length < -1) return failed(error, what);
  out.value = value_length < 0
                  ? std::nullopt
                  : std::optional<bytes_view>(r.read_raw(static_cast<size_t>(value_length)));

  int32_t header_count = r.read_varint();
  if (!r.ok()) return failed(reader_error(r), "header count");
  if (header_count < 0) return failed(batch_errc::bad_record, "negative header count");
  size_t headers_at = r.position();
  for (int32_t i = 0; i < header_count; ++i) {
    int32_t hk = read_nullable_length(r, error, what, "header key length");
    if (hk < -1) return failed(error, what);
    if (hk < 0) return failed(batch_errc::bad_record, "null header key");
    r.skip(static_cast<size_t>(hk));
    int32_t hv = read_nullable_length(r, error, what, "header value length");
    if (hv < -1) return failed(error, what);
    if (hv > 0) r.skip(static_cast<size_t>(hv));
  }
  if (r.remaining() != 0) return failed(batch_errc::bad_record, "bytes left after the headers");
  out.header_count = header_count;
  out.header_data = body.subspan(headers_at, r.position() - headers_at);

  if (out.offset_delta < 0 || out.offset_delta <= previous_delta_ ||
      out.offset_delta > last_offset_delta_)
    return failed(batch_errc::bad_offset_delta,
                  "offset delta not increasing within 0..lastOffsetDelta");
  previous_delta_ = out.offset_delta;

  out.encoded = data_.subspan(pos_, outer.position() + static_cast<size_t>(length));
  pos_ = body_at + static_cast<size_t>(length);
  ++read_;
  return true;
}

// ---- opening a batch ------------------------------------------------------------------------

namespace {

// Framing, CRC and header fields that any reader needs to be sane. Does not decompress.
batch_result<batch_header> check_header(bytes_view batch, bool verify_crc) {
  if (batch.size() < batch_header::size)
    return fail(batch_errc::truncated, "shorter than a record batch header");
  batch_header h = batch_header::parse(batch).value();
  if (h.magic != 2) return fail(batch_errc::bad_magic, "magic " + std::to_string(h.magic));
  if (h.batch_length < static_cast<int32_t>(batch_header::size - batch_header::log_overhead))
    return fail(batch_errc::bad_batch_length, "batchLength smaller than the header");
  if (h.total_size() > static_cast<int64_t>(batch.size()))
    return fail(batch_errc::truncated, "batch ends before batchLength says");
  if (h.total_size() < static_cast<int64_t>(batch.size()))
    return fail(batch_errc::bad_batch_length, "bytes after the batch");
  if (verify_crc && compute_batch_crc(batch) != h.crc)
    return fail(batch_errc::crc_mismatch, "CRC-32C mismatch");
  if ((h.attributes & 0x7) > static_cast<int>(compression_type::zstd))
    return fail(batch_errc::unknown_compression,
                "compression id " + std::to_string(h.attributes & 0x7));
  if (h.records_count < 0) return fail(batch_errc::record_count_mismatch, "negative recordsCount");
  if (h.last_offset_delta < 0)
    return fail(batch_errc::bad_offset_delta, "negative lastOffsetDelta");
  if (static_cast<int64_t>(h.records_count) > int64_t{h.last_offset_delta} + 1)
    return fail(batch_errc::last_offset_delta_mismatch,
                "more records than lastOffsetDelta leaves offsets for");
  bytes_view section = batch.subspan(batch_header::size);
  if (h.compression() == compression_type::none) {
    // Cheap bounds on the count before any record is read.
    if (static_cast<size_t>(h.records_count) > section.size() / kMinRecordSize ||
        (h.records_count == 0 && !section.empty()))
      return fail(batch_errc::record_count_mismatch, "recordsCount does not fit the records");
  }
  return h;
}

batch_result<bytes_view> load_records(const batch_header& h, bytes_view batch, size_t max_bytes,
                                      std::vector<uint8_t>& scratch) {
  bytes_view section = batch.subspan(batch_header::size);
  if (h.compression() == compression_type::none) return section;
  if (h.records_count == 0 && section.empty()) return section;
  auto out = decompress(h.compression(), section, max_bytes, scratch);
  if (out) return *out;
  switch (out.code()) {
    case codec_errc::too_large:
      return fail(batch_errc::decompressed_too_large,
                  "records exceed " + std::to_string(max_bytes) + " bytes decompressed");
    case codec_errc::failed:
      return fail(batch_errc::internal_error, out.message());
    case codec_errc::unsupported:
      return fail(batch_errc::unknown_compression, out.message());
    case codec_errc::corrupt:
      break;
  }
  return fail(batch_errc::decompression_failed,
              std::string(to_string(h.compression())) + ": " + out.message());
}

}  // namespace

batch_result<record_batch_view> record_batch_view::open(bytes_view batch,
                                                        std::vector<uint8_t>& scratch,
                                                        const read_options& options) {
  auto h = check_header(batch, options.verify_crc);
  if (!h) return std::move(h).error();
  auto records = load_records(*h, batch, options.max_decompressed_bytes, scratch);
  if (!records) return std::move(records).error();
  record_batch_view view;
  view.header_ = *h;
  view.batch_ = batch;
  view.records_ = *records;
  return view;
}

// ---- control records ------------------------------------------------------------------------

batch_result<control_record_key> parse_control_key(const record_view& record) {
  if (!record.key || record.key->size() < 4)
    return fail(batch_errc::bad_control_record, "control record key shorter than 4 bytes");
  control_record_key key;
  key.version = static_cast<int16_t>(load_be16(record.key->data()));
  key.type = static_cast<control_type>(static_cast<int16_t>(load_be16(record.key->data() + 2)));
  if (key.version != 0)
    return fail(batch_errc::bad_control_record, "control record key version is not 0");
  return key;
}

batch_result<end_txn_marker> parse_end_txn_marker(const record_view& record) {
  auto key = parse_control_key(record);
  if (!key) return std::move(key).error();
  if (key->type != control_type::commit && key->type != control_type::abort)
    return fail(batch_errc::bad_control_record, "not a COMMIT or ABORT marker");
  if (!record.value || record.value->size() < 6)
    return fail(batch_errc::bad_control_record, "marker value shorter than 6 bytes");
  const uint8_t* v = record.value->data();
  if (load_be16(v) != 0) return fail(batch_errc::bad_control_record, "marker version is not 0");
  end_txn_marker marker;
  marker.type = key->type;
  marker.coordinator_epoch = static_cast<int32_t>((uint32_t{v[2]} << 24) | (uint32_t{v[3]} << 16) |
                                                  (uint32_t{v[4]} << 8) | uint32_t{v[5]});
  return marker;
}

// ---- validation on append -------------------------------------------------------------------

namespace {

bool timestamp_in_bounds(int64_t t, const append_validation_options& o) {
  if (t == -1) return true;
  int64_t diff = 0;
  if (__builtin_sub_overflow(o.now_ms, t, &diff)) return false;
  if (diff > 0 && diff > o.max_timestamp_before_ms) return false;
  if (diff < 0 && (diff == std::numeric_limits<int64_t>::min() || -diff > o.max_timestamp_after_ms))
    return false;
  return true;
}

bool checks_timestamps(const append_validation_options& o) {
  return o.topic_timestamp_type == timestamp_type::create_time;
}

batch_result<void> check_header_for_append(const batch_header& h,
                                           const append_validation_options& o) {
  if (h.is_control() && !o.allow_control_batches)
    return fail(batch_errc::control_batch_not_allowed, "producers may not write control batches");
  if (h.records_count == 0) return batch_errc::empty_batch;
  if (h.last_offset_delta != h.records_count - 1)
    return fail(batch_errc::last_offset_delta_mismatch, "lastOffsetDelta is not recordsCount - 1");
  if (h.is_transactional() && h.producer_id < 0)
    return fail(batch_errc::bad_producer_fields, "transactional batch without a producer id");
  if (h.is_control() && (!h.is_transactional() || h.records_count != 1))
    return fail(batch_errc::bad_control_record,
                "a control batch is transactional and holds one record");
  // Full depth checks every record's timestamp instead (and lists each bad one, as Kafka does).
  if (o.depth == validation_depth::header_and_crc && checks_timestamps(o) &&
      (!timestamp_in_bounds(h.base_timestamp, o) || !timestamp_in_bounds(h.max_timestamp, o)))
    return fail(batch_errc::timestamp_out_of_range, "batch timestamp outside the topic's bounds");
  return ok_v;
}

}  // namespace

batch_result<append_summary> validate_for_append(bytes_view batch,
                                                 const append_validation_options& options,
                                                 std::vector<uint8_t>& scratch) {
  auto h = check_header(batch, /*verify_crc=*/true);
  if (!h) return std::move(h).error();
  auto header_ok = check_header_for_append(*h, options);
  if (!header_ok) return std::move(header_ok).error();

  append_summary summary;
  summary.header = *h;
  summary.record_count = h->records_count;
  if (options.depth == validation_depth::header_and_crc) {
    summary.max_timestamp = h->max_timestamp;
    summary.records_size = batch.size() - batch_header::size;
    return summary;
  }

  auto records = load_records(*h, batch, options.max_decompressed_bytes, scratch);
  if (!records) return std::move(records).error();
  summary.records_size = records->size();

  record_cursor cursor(*records, h->records_count, h->last_offset_delta);
  record_view record;
  const bool check_ts = checks_timestamps(options);
  // Kafka's LogValidator: a record's key error, else its timestamp error; all of them, then one
  // failure (processRecordErrors).
  std::vector<append_validation_options::record_error> bad;
  bool bad_timestamp = false;
  auto wrap_add = [](int64_t a, int64_t b) {  // Java's long arithmetic, for the message
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  };
  for (int32_t index = 0;; ++index) {
    auto more = cursor.next(record);
    if (!more) return std::move(more).error();
    if (!*more) break;
    if (record.offset_delta != index)
      return fail(batch_errc::bad_offset_delta, "record " + std::to_string(index) +
                                                    ": offset delta " +
                                                    std::to_string(record.offset_delta));
    int64_t timestamp = 0;
    bool overflow = __builtin_add_overflow(h->base_timestamp, record.timestamp_delta, &timestamp);
    if (options.require_keys && !record.key && !h->is_control()) {
      bad.push_back(
          {index, "Compacted topic cannot accept message without key in topic partition " +
                      std::string(options.partition)});
    } else if (check_ts && (overflow || !timestamp_in_bounds(timestamp, options))) {
      bad_timestamp = true;
      bad.push_back(
          {index,
           "Timestamp " + std::to_string(wrap_add(h->base_timestamp, record.timestamp_delta)) +
               " of message with offset " + std::to_string(index) +
               " is out of range. The timestamp should be within [" +
               std::to_string(wrap_add(options.now_ms, -options.max_timestamp_before_ms)) + ", " +
               std::to_string(wrap_add(options.now_ms, options.max_timestamp_after_ms)) + "]"});
    }
    if (!overflow &&
        (summary.offset_delta_of_max_timestamp < 0 || timestamp > summary.max_timestamp)) {
      summary.max_timestamp = timestamp;
      summary.offset_delta_of_max_timestamp = record.offset_delta;
    }
    if (h->is_control()) {
      auto key = parse_control_key(record);
      if (!key) return std::move(key).error();
      if (key->type == control_type::commit || key->type == control_type::abort) {
        auto marker = parse_end_txn_marker(record);
        if (!marker) return std::move(marker).error();
      }
    }
  }
  if (!bad.empty()) {
    std::string summary_text;
    if (bad_timestamp) {
      summary_text = "One or more records have been rejected due to invalid timestamp";
    } else {
      std::string first;
      for (size_t i = 0; i < std::min<size_t>(bad.size(), 3); ++i)
        first += std::string(i == 0 ? "" : ", ") +
                 "RecordError(batchIndex=" + std::to_string(bad[i].batch_index) + ", message='" +
                 bad[i].message + "')";
      summary_text = "One or more records have been rejected due to " + std::to_string(bad.size()) +
                     " record errors in total, and only showing the first three errors at most: [" +
                     first + "]";
    }
    if (options.record_errors != nullptr) *options.record_errors = std::move(bad);
    return fail(bad_timestamp ? batch_errc::timestamp_out_of_range : batch_errc::missing_key,
                std::move(summary_text));
  }
  summary.header_max_timestamp_matches =
      h->ts_type() == timestamp_type::log_append_time || summary.max_timestamp == h->max_timestamp;
  return summary;
}

batch_result<append_summary> validate_for_append(bytes_view batch,
                                                 const append_validation_options& options) {
  std::vector<uint8_t> scratch;
  return validate_for_append(batch, options, scratch);
}

// ---- building -------------------------------------------------------------------------------

namespace {

size_t varint_size(int64_t v) {
  return writer::uvarint_size((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

size_t nullable_field_size(const std::optional<bytes_view>& v) {
  return v ? varint_size(static_cast<int64_t>(v->size())) + v->size() : 1;
}

void write_nullable_field(writer& w, const std::optional<bytes_view>& v) {
  if (!v) {
    w.write_varint(-1);
    return;
  }
  w.write_varint(static_cast<int32_t>(v->size()));
  w.write_raw(*v);
}

}  // namespace

record_batch_builder::record_batch_builder(batch_builder_options options)
    : options_(std::move(options)) {}

void record_batch_builder::add(int64_t timestamp, std::optional<bytes_view> key,
                               std::optional<bytes_view> value,
                               std::span<const record_header> headers) {
  if (count_ == 0) {
    base_timestamp_ = options_.delete_horizon_ms.value_or(timestamp);
    max_timestamp_ = timestamp;
  }
  max_timestamp_ = std::max(max_timestamp_, timestamp);
  int64_t timestamp_delta = wrapping_sub(timestamp, base_timestamp_);
  int32_t offset_delta = next_offset_delta_++;

  size_t body = 1 + varint_size(timestamp_delta) + varint_size(offset_delta) +
                nullable_field_size(key) + nullable_field_size(value) +
                varint_size(static_cast<int64_t>(headers.size()));
  for (const record_header& hdr : headers) {
    body += varint_size(static_cast<int64_t>(hdr.key.size())) + hdr.key.size();
    body += nullable_field_size(hdr.value);
  }
  SLUICE_ASSERT(body <= static_cast<size_t>(INT32_MAX), "record larger than 2 GiB");

  writer& w = records_;
  w.write_varint(static_cast<int32_t>(body));
  w.write_int8(0);  // attributes: none defined
  w.write_varlong(timestamp_delta);
  w.write_varint(offset_delta);
  write_nullable_field(w, key);
  write_nullable_field(w, value);
  w.write_varint(static_cast<int32_t>(headers.size()));
  for (const record_header& hdr : headers) {
    w.write_varint(static_cast<int32_t>(hdr.key.size()));
    w.write_raw(bytes_view(reinterpret_cast<const uint8_t*>(hdr.key.data()), hdr.key.size()));
    write_nullable_field(w, hdr.value);
  }
  ++count_;
}

batch_result<std::vector<uint8_t>> record_batch_builder::build() const {
  std::vector<uint8_t> out(batch_header::size);
  compression_type codec = options_.compression;
  if (count_ > 0) {
    auto r = compress(codec, records_.buffer(), out, options_.compression_level);
    if (!r) return fail(batch_errc::internal_error, r.message());
  }
  SLUICE_ASSERT(out.size() - batch_header::log_overhead <= static_cast<size_t>(INT32_MAX),
                "record batch larger than 2 GiB");
  batch_header h;
  h.base_offset = options_.base_offset;
  h.batch_length = static_cast<int32_t>(out.size() - batch_header::log_overhead);
  h.partition_leader_epoch = options_.partition_leader_epoch;
  h.magic = 2;
  int attributes = static_cast<int>(codec) & 0x7;
  if (options_.ts_type == timestamp_type::log_append_time) attributes |= 0x8;
  if (options_.transactional) attributes |= 0x10;
  if (options_.control) attributes |= 0x20;
  if (options_.delete_horizon_ms) attributes |= 0x40;
  h.attributes = static_cast<int16_t>(attributes);
  h.last_offset_delta = std::max(next_offset_delta_ - 1, 0);
  h.base_timestamp = options_.delete_horizon_ms ? *options_.delete_horizon_ms
                     : count_ > 0               ? base_timestamp_
                                                : -1;
  h.max_timestamp = options_.ts_type == timestamp_type::log_append_time
                        ? options_.log_append_time_ms
                    : count_ > 0 ? max_timestamp_
                                 : -1;
  h.producer_id = options_.producer_id;
  h.producer_epoch = options_.producer_epoch;
  h.base_sequence = options_.base_sequence;
  h.records_count = count_;
  h.encode(out);
  update_batch_crc(out);
  return out;
}

void record_batch_builder::reset() {
  records_ = writer();
  count_ = 0;
  next_offset_delta_ = 0;
  base_timestamp_ = -1;
  max_timestamp_ = -1;
}

std::vector<uint8_t> build_end_txn_marker_batch(const end_txn_marker_batch& spec) {
  batch_builder_options options;
  options.base_offset = spec.base_offset;
  options.partition_leader_epoch = spec.partition_leader_epoch;
  options.producer_id = spec.producer_id;
  options.producer_epoch = spec.producer_epoch;
  options.transactional = true;
  options.control = true;
  record_batch_builder builder(options);
  auto type = static_cast<uint16_t>(spec.marker.type);
  auto epoch = static_cast<uint32_t>(spec.marker.coordinator_epoch);
  const uint8_t key[4] = {0, 0, static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type)};
  const uint8_t value[6] = {0,
                            0,
                            static_cast<uint8_t>(epoch >> 24),
                            static_cast<uint8_t>(epoch >> 16),
                            static_cast<uint8_t>(epoch >> 8),
                            static_cast<uint8_t>(epoch)};
  builder.add(spec.timestamp_ms, bytes_view(key), bytes_view(value));
  auto built = builder.build();
  SLUICE_ASSERT(built.ok(), "an uncompressed batch cannot fail to build");
  return std::move(built).value();
}

}  // namespace sluice::protocol
