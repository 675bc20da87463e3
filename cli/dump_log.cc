// Offline readers of segment files for kafka-dump-log, printing Kafka's DumpLogSegments layout.
#include "cli/dump_log.h"

#include <fmt/format.h>

#include "protocol/batch_header.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::cli {
namespace {

using namespace sluice::protocol;

std::string_view ts_name(const batch_header& h) {
  return h.ts_type() == timestamp_type::log_append_time ? "LogAppendTime" : "CreateTime";
}

// Kafka's sequence arithmetic: sequences wrap from INT32_MAX to 0.
int32_t add_sequence(int32_t base, int32_t delta) {
  if (base < 0) return -1;
  int64_t s = static_cast<int64_t>(base) + delta;
  if (s > std::numeric_limits<int32_t>::max()) s -= static_cast<int64_t>(1) << 31;
  return static_cast<int32_t>(s);
}

std::string_view control_name(control_type t) {
  switch (t) {
    case control_type::abort:
      return "ABORT";
    case control_type::commit:
      return "COMMIT";
    case control_type::leader_change:
      return "LEADER_CHANGE";
    case control_type::snapshot_header:
      return "SNAPSHOT_HEADER";
    case control_type::snapshot_footer:
      return "SNAPSHOT_FOOTER";
    case control_type::kraft_version:
      return "KRAFT_VERSION";
    case control_type::kraft_voters:
      return "KRAFT_VOTERS";
  }
  return "UNKNOWN";
}

std::string text_of(bytes_view b) {
  return std::string(b.begin(), b.end());
}

std::string batch_line(const batch_header& h, bool valid, int64_t position) {
  std::string delete_horizon = h.has_delete_horizon()
                                   ? fmt::format("OptionalLong[{}]", h.base_timestamp)
                                   : std::string("OptionalLong.empty");
  return fmt::format(
      "baseOffset: {} lastOffset: {} count: {} baseSequence: {} lastSequence: {} producerId: {} "
      "producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} isControl: {} "
      "deleteHorizonMs: {} position: {} {}: {} size: {} magic: {} compresscodec: {} crc: {} "
      "isvalid: {}\n",
      h.base_offset, h.last_offset(), h.records_count, h.base_sequence,
      add_sequence(h.base_sequence, h.last_offset_delta), h.producer_id, h.producer_epoch,
      h.partition_leader_epoch, h.is_transactional(), h.is_control(), delete_horizon, position,
      ts_name(h), h.max_timestamp, h.total_size(), static_cast<int>(h.magic),
      to_string(h.compression()), h.crc, valid);
}

std::string record_line(const batch_header& h, const record_view& r,
                        const dump_log_options& options) {
  std::string line;
  std::string prefix = "| ";
  if (!options.skip_record_metadata) {
    line +=
        fmt::format("{}offset: {} {}: {} keySize: {} valueSize: {}", prefix, r.offset(h),
                    ts_name(h), r.timestamp(h), r.key ? static_cast<int64_t>(r.key->size()) : -1,
                    r.value ? static_cast<int64_t>(r.value->size()) : -1);
    prefix = " ";
    std::string keys;
    for (record_header hd : r.headers()) {
      if (!keys.empty()) keys += ',';
      keys += hd.key;
    }
    line += fmt::format(" sequence: {} headerKeys: [{}]",
                        add_sequence(h.base_sequence, r.offset_delta), keys);
    if (h.is_control()) {
      auto key = parse_control_key(r);
      if (key && (key->type == control_type::commit || key->type == control_type::abort)) {
        auto marker = parse_end_txn_marker(r);
        if (marker) {
          line += fmt::format(" endTxnMarker: {} coordinatorEpoch: {}", control_name(marker->type),
                              marker->coordinator_epoch);
        }
      } else if (key) {
        line += fmt::format(" controlType: {}({})", control_name(key->type),
                            static_cast<int>(key->type));
      } else {
        line += " controlType: UNKNOWN(-1)";
      }
    }
  }
  if (options.print_data && !h.is_control()) {
    if (r.key) {
      line += fmt::format("{}key: {}", prefix, text_of(*r.key));
      prefix = " ";
    }
    if (r.value) line += " payload: " + text_of(*r.value);
  }
  return line + "\n";
}

int64_t entry_count(size_t bytes, size_t entry_size) {
  return static_cast<int64_t>(bytes / entry_size);
}

}  // namespace

int64_t base_offset_of(std::string_view file_name) {
  if (size_t slash = file_name.rfind('/'); slash != std::string_view::npos) {
    file_name.remove_prefix(slash + 1);
  }
  int64_t v = 0;
  for (char c : file_name.substr(0, file_name.find('.'))) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

dump_output dump_log_segment(std::span<const uint8_t> data, std::string_view file_name,
                             const dump_log_options& options) {
  dump_output d;
  bool deep = options.deep || options.print_data;
  d.out += fmt::format("Log starting offset: {}\n", base_offset_of(file_name));
  size_t limit =
      std::min<size_t>(data.size(), static_cast<size_t>(std::max<int64_t>(0, options.max_bytes)));
  std::span<const uint8_t> bytes = data.subspan(0, limit);
  size_t position = 0;
  int64_t last_offset = -1;
  std::vector<uint8_t> scratch;
  while (position < bytes.size()) {
    auto frame = batch_frame_size(bytes.subspan(position));
    if (!frame || *frame > bytes.size() - position) break;
    std::span<const uint8_t> batch = bytes.subspan(position, *frame);
    auto header = batch_header::parse(batch);
    if (!header || header->magic != 2) break;
    bool valid = batch_crc_valid(batch);
    d.out += batch_line(*header, valid, static_cast<int64_t>(position));
    if (deep) {
      read_options ro;
      ro.verify_crc = false;
      auto view = record_batch_view::open(batch, scratch, ro);
      if (!view) {
        d.err += fmt::format("Could not read the records of the batch at position {}: {}\n",
                             position, to_string(view.code()));
      } else {
        auto walked = view->for_each([&](const record_view& r) {
          int64_t offset = r.offset(*header);
          if (last_offset != -1 && offset != last_offset + 1) {
            d.non_consecutive.emplace_back(last_offset, offset);
          }
          last_offset = offset;
          d.out += record_line(*header, r, options);
        });
        if (!walked) {
          d.err += fmt::format("Could not read the records of the batch at position {}: {}\n",
                               position, to_string(walked.code()));
        }
      }
    }
    position += *frame;
  }
  std::string_view name = file_name.substr(
      file_name.rfind('/') == std::string_view::npos ? 0 : file_name.rfind('/') + 1);
  if (position < data.size() && options.max_bytes >= std::numeric_limits<int32_t>::max()) {
    d.out += fmt::format("Found {} invalid bytes at the end of {}\n", data.size() - position, name);
  }
  return d;
}

dump_output dump_offset_index(std::span<const uint8_t> data, std::string_view file_name) {
  dump_output d;
  int64_t base = base_offset_of(file_name);
  int64_t n = entry_count(data.size(), 8);
  for (int64_t i = 0; i < n; ++i) {
    reader r(data.subspan(static_cast<size_t>(i) * 8, 8));
    int32_t relative = r.read_int32();
    int32_t position = r.read_int32();
    // A preallocated index ends in zero entries.
    if (i > 0 && relative == 0 && position == 0) break;
    d.out += fmt::format("offset: {} position: {}\n", base + relative, position);
  }
  return d;
}

dump_output dump_time_index(std::span<const uint8_t> data, std::string_view file_name) {
  dump_output d;
  int64_t base = base_offset_of(file_name);
  int64_t n = entry_count(data.size(), 12);
  for (int64_t i = 0; i < n; ++i) {
    reader r(data.subspan(static_cast<size_t>(i) * 12, 12));
    int64_t timestamp = r.read_int64();
    int32_t relative = r.read_int32();
    if (i > 0 && timestamp == 0 && relative == 0) break;
    d.out += fmt::format("timestamp: {} offset: {}\n", timestamp, base + relative);
  }
  return d;
}

dump_output dump_txn_index(std::span<const uint8_t> data) {
  dump_output d;
  constexpr size_t entry = 34;
  for (size_t at = 0; at + entry <= data.size(); at += entry) {
    reader r(data.subspan(at, entry));
    int16_t version = r.read_int16();
    int64_t producer_id = r.read_int64();
    int64_t first = r.read_int64();
    int64_t last = r.read_int64();
    int64_t lso = r.read_int64();
    d.out += fmt::format(
        "version: {} producerId: {} firstOffset: {} lastOffset: {} lastStableOffset: {}\n", version,
        producer_id, first, last, lso);
  }
  return d;
}

}  // namespace sluice::cli
