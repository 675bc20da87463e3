// The round-trip property test: the filler, and the parameterized test every shard instantiates
// (roundtrip_shard_N_test.cc, one per generated case table, so the shards compile in parallel).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "roundtrip_shard.h"

namespace sluice::protocol::roundtrip {

uint64_t filler::integer(int bits) {
  const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  switch (below(8)) {
    case 0:
      return 0;
    case 1:
      return mask;  // -1
    case 2:
      return (uint64_t{1} << (bits - 1));  // the minimum
    case 3:
      return mask >> 1;  // the maximum
    default:
      return rng_() & mask;
  }
}

double filler::float64() {
  switch (below(4)) {
    case 0:
      return 0.0;
    case 1:
      return -1.5;
    case 2:
      return std::numeric_limits<double>::max();
    default:
      return std::ldexp(static_cast<double>(rng_() >> 11), static_cast<int>(below(80)) - 40);
  }
}

protocol::uuid filler::uuid() {
  protocol::uuid u;
  if (below(4) == 0) return u;  // the zero uuid, the default
  for (auto& b : u.value) b = static_cast<uint8_t>(rng_());
  return u;
}

std::string filler::string() {
  std::string s(below(7), '\0');
  for (auto& c : s) c = static_cast<char>(below(4) == 0 ? rng_() : 'a' + below(26));
  return s;
}

protocol::bytes filler::bytes() {
  protocol::bytes b(below(7));
  for (auto& x : b) x = static_cast<uint8_t>(rng_());
  return b;
}

protocol::records filler::records(bool nullable) {
  if (null(nullable)) return protocol::records{};
  protocol::bytes& payload = payloads_.emplace_back(below(40));
  for (auto& x : payload) x = static_cast<uint8_t>(rng_());
  return protocol::records::view(payload);
}

void filler::unknown_tags(std::vector<unknown_tagged_field>& out,
                          std::initializer_list<uint32_t> known) {
  const size_t n = below(3);
  uint32_t tag = static_cast<uint32_t>(below(3));
  for (size_t i = 0; i < n; ++i, tag += 1 + static_cast<uint32_t>(below(3))) {
    while (std::find(known.begin(), known.end(), tag) != known.end()) ++tag;
    unknown_tagged_field f{tag, bytes()};
    out.push_back(std::move(f));
  }
}

protocol::uuid sample_filler::uuid() {
  protocol::uuid u;
  const uint64_t hi = next();
  const uint64_t lo = next();
  for (int i = 0; i < 8; ++i) {
    u.value[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    u.value[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  return u;
}

std::string sample_filler::string() {
  std::string s(next() % 5, '\0');
  for (auto& c : s) c = static_cast<char>('a' + next() % 26);
  return s;
}

protocol::bytes sample_filler::bytes() {
  protocol::bytes b(next() % 5);
  for (auto& x : b) x = static_cast<uint8_t>(next());
  return b;
}

protocol::records sample_filler::records(bool nullable) {
  if (null(nullable)) return protocol::records{};
  protocol::bytes& payload = payloads_.emplace_back(next() % 9);
  for (auto& x : payload) x = static_cast<uint8_t>(next());
  return protocol::records::view(payload);
}

void sample_filler::unknown_tags(std::vector<unknown_tagged_field>& out,
                                 std::initializer_list<uint32_t> known) {
  if (next() % 2 == 0) return;
  uint32_t tag = 100 + static_cast<uint32_t>(next() % 8);
  while (std::find(known.begin(), known.end(), tag) != known.end()) ++tag;
  out.push_back(unknown_tagged_field{tag, bytes()});
}

protocol::bytes from_hex(std::string_view hex) {
  auto nibble = [](char c) { return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  protocol::bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  return out;
}

int seeds_per_version() {
  static const int seeds = [] {
    const char* text = std::getenv("SLUICE_ROUNDTRIP_SEEDS");
    const int n = text != nullptr ? std::atoi(text) : 0;
    return n > 0 ? n : 6;
  }();
  return seeds;
}

uint64_t seed_of(std::string_view name, int16_t version, int index) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&h](uint8_t b) {
    h ^= b;
    h *= 1099511628211ull;
  };
  for (char c : name) mix(static_cast<uint8_t>(c));
  mix(static_cast<uint8_t>(version));
  mix(static_cast<uint8_t>(index));
  return h;
}

std::vector<size_t> prefix_lengths(size_t n, filler& g) {
  std::vector<size_t> out;
  if (n <= 160) {
    for (size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  for (size_t i = 0; i < 32; ++i) out.push_back(i);      // inside the first fields
  for (size_t i = n - 32; i < n; ++i) out.push_back(i);  // inside the tail / tagged section
  for (int i = 0; i < 64; ++i) out.push_back(32 + g.uint32() % (n - 64));
  return out;
}

TEST_P(generated_codec, every_version) {
  GetParam().run(GetParam());
}

TEST_P(generated_known_answer, sample_value_bytes) {
  GetParam().run(GetParam());
}

}  // namespace sluice::protocol::roundtrip
