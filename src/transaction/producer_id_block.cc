#include "transaction/producer_id_block.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <limits>

namespace sluice::transaction {
namespace {

failure<errc> bad(std::string_view why) {
  return fail(errc::malformed_producer_id_block, std::string(why));
}

std::optional<int64_t> parse_long(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::string encode_producer_id_block(const producer_id_block& block) {
  nlohmann::ordered_json doc = {{"version", producer_id_block_version},
                                {"broker", block.broker},
                                {"block_start", std::to_string(block.first)},
                                {"block_end", std::to_string(block.last())}};
  return doc.dump();
}

result<producer_id_block> decode_producer_id_block(std::string_view json) {
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
  auto broker = doc.find("broker");
  if (broker == doc.end() || !broker->is_number_integer()) return bad("broker is not a number");
  int64_t broker_id = broker->get<int64_t>();
  if (broker_id < std::numeric_limits<int32_t>::min() ||
      broker_id > std::numeric_limits<int32_t>::max()) {
    return bad("broker is not an int32");
  }
  auto start_it = doc.find("block_start");
  auto end_it = doc.find("block_end");
  if (start_it == doc.end() || end_it == doc.end()) return bad("block_start or block_end missing");
  auto start = parse_long(*start_it);
  auto end = parse_long(*end_it);
  if (!start || !end) return bad("block_start and block_end must be decimal strings");
  // end - start + 1 must be a size that fits an int (Kafka's Math.toIntExact); an empty or
  // reversed block is refused too.
  if (*end < *start || static_cast<uint64_t>(*end) - static_cast<uint64_t>(*start) >=
                           static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    return bad("block_end - block_start + 1 is not a block size");
  }
  return producer_id_block{static_cast<int32_t>(broker_id), *start,
                           static_cast<int32_t>(*end - *start + 1)};
}

result<producer_id_block> next_producer_id_block(const std::optional<producer_id_block>& current,
                                                 int32_t broker) {
  if (!current) return producer_id_block{broker, 0, producer_id_block_size};
  if (current->last() > std::numeric_limits<int64_t>::max() - producer_id_block_size) {
    return fail(errc::producer_ids_exhausted,
                "the block after " + std::to_string(current->last()) + " would pass INT64_MAX");
  }
  return producer_id_block{broker, current->next_block_first(), producer_id_block_size};
}

}  // namespace sluice::transaction
