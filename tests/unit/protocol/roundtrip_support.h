// The round-trip property test and the known answers of the generated codec. Round trip: for every
// message and every valid version, seeded random values (filled by the generated random_fill
// functions in protocol/generated/testing/roundtrip_shard_N.inc) must encode, decode to an equal
// value and re-encode to the same bytes; every truncated prefix must fail to decode; corrupted
// bytes must decode to an error or to a value that re-encodes to a fixed point. ASan watches all of
// it. Known answers (protocol/generated/testing/known_answers_shard_N.inc): each message's sample
// value at each version encodes to the bytes a second encoder in the generator computed, and back.
//
// SLUICE_ROUNDTRIP_SEEDS=<n> raises the number of seeds per version (default 6) for a longer run.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/wire.h"

namespace sluice::protocol::roundtrip {

// The draws every filler makes the same way from its own null(), string() and bytes().
template <class Filler>
class nullable_draws {
 public:
  std::optional<std::string> optional_string(bool nullable) {
    if (self().null(nullable)) return std::nullopt;
    return self().string();
  }
  std::optional<protocol::bytes> optional_bytes(bool nullable) {
    if (self().null(nullable)) return std::nullopt;
    return self().bytes();
  }

 private:
  Filler& self() { return static_cast<Filler&>(*this); }
};

// Seeded random values shaped for the codec: short strings and arrays, edge-case integers, null
// only where asked. Records payloads live in the filler, so the views stay valid while it does.
class filler : public nullable_draws<filler> {
 public:
  explicit filler(uint64_t seed) : rng_(seed) {}

  int8_t int8() { return static_cast<int8_t>(integer(8)); }
  int16_t int16() { return static_cast<int16_t>(integer(16)); }
  int32_t int32() { return static_cast<int32_t>(integer(32)); }
  int64_t int64() { return static_cast<int64_t>(integer(64)); }
  uint16_t uint16() { return static_cast<uint16_t>(integer(16)); }
  uint32_t uint32() { return static_cast<uint32_t>(integer(32)); }
  double float64();
  bool boolean() { return (rng_() & 1) != 0; }
  protocol::uuid uuid();
  std::string string();
  protocol::bytes bytes();
  protocol::records records(bool nullable);
  // True (null) about one time in four, and never when the version does not allow null.
  bool null(bool nullable) { return nullable && below(4) == 0; }
  // An array length: 0 to 3.
  size_t count() { return below(4); }
  // Adds 0-2 unknown tagged fields, ascending, none with a tag the struct declares.
  void unknown_tags(std::vector<unknown_tagged_field>& out, std::initializer_list<uint32_t> known);

 private:
  uint64_t below(uint64_t n) { return rng_() % n; }
  // A random value of `bits` width, biased towards 0, -1 and the extremes.
  uint64_t integer(int bits);

  std::mt19937_64 rng_;
  std::deque<protocol::bytes> payloads_;
};

// The known answers' sample value: a deterministic counter, drawn in the order random_fill asks.
// tools/codegen/emit_known_answers.py replays the same draws (SampleFiller) to compute the bytes
// the sample must encode to; keep the two in step.
class sample_filler : public nullable_draws<sample_filler> {
 public:
  int8_t int8() { return static_cast<int8_t>(next()); }
  int16_t int16() { return static_cast<int16_t>(next()); }
  int32_t int32() { return static_cast<int32_t>(next()); }
  int64_t int64() { return static_cast<int64_t>(next()); }
  uint16_t uint16() { return static_cast<uint16_t>(next()); }
  uint32_t uint32() { return static_cast<uint32_t>(next()); }
  double float64() { return static_cast<double>(next() % 1024) / 8.0; }
  bool boolean() { return (next() & 1) != 0; }
  protocol::uuid uuid();
  std::string string();
  protocol::bytes bytes();
  protocol::records records(bool nullable);
  bool null(bool nullable) { return nullable && next() % 3 == 0; }
  size_t count() { return next() % 3; }
  void unknown_tags(std::vector<unknown_tagged_field>& out, std::initializer_list<uint32_t> known);

 private:
  uint64_t next() {
    const uint64_t z = ++n_ * 0x9E3779B97F4A7C15ull;
    return z ^ (z >> 29);
  }

  uint64_t n_ = 0;
  std::deque<protocol::bytes> payloads_;
};

// One message at one version and the hex of its sample value's encoding.
struct known_answer {
  const char* name;
  int16_t version;
  const char* hex;
  void (*run)(const known_answer&);
};

protocol::bytes from_hex(std::string_view hex);

// Encodes the sample value and compares bytes; decodes the known bytes and compares values.
template <class T>
void run_known_answer(const known_answer& k) {
  sample_filler g;
  T sample;
  random_fill(sample, k.version, g);
  const protocol::bytes expected = from_hex(k.hex);
  writer w;
  auto encoded = sample.encode(w, k.version);
  ASSERT_TRUE(encoded.ok()) << to_string(encoded.code()) << " " << encoded.message();
  EXPECT_EQ(w.buffer(), expected) << "the encoding differs from the known answer";
  reader r(expected);
  T decoded;
  auto result = decoded.decode(r, k.version);
  ASSERT_TRUE(result.ok()) << to_string(result.code());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(decoded == sample) << "the known bytes decode to another value";
}

template <class T>
known_answer make_known_answer(const char* name, int16_t version, const char* hex) {
  return known_answer{name, version, hex, &run_known_answer<T>};
}

struct test_case {
  const char* name;
  int16_t min_version;
  int16_t max_version;
  void (*run)(const test_case&);
};

// Seeds per version, from SLUICE_ROUNDTRIP_SEEDS (default 6).
int seeds_per_version();
// A reproducible seed for (message, version, index).
uint64_t seed_of(std::string_view name, int16_t version, int index);
// Which prefix lengths of an n-byte encoding the truncation check decodes (all of them when small).
std::vector<size_t> prefix_lengths(size_t n, filler& g);

// Decodes `data` as T at `version`; on success re-encodes, decodes again and checks the second
// encoding equals the first (a fixed point). Returns whether the first decode succeeded.
template <class T>
bool decode_to_fixed_point(const test_case& c, int16_t version, const protocol::bytes& data) {
  reader r(data);
  T first;
  if (!first.decode(r, version).ok()) return false;
  writer w1;
  auto e1 = first.encode(w1, version);
  EXPECT_TRUE(e1.ok()) << c.name << " v" << version << ": a decoded value must re-encode: "
                       << (e1.ok() ? "" : std::string(to_string(e1.code())) + " " + e1.message());
  if (!e1.ok()) return true;
  reader r2(w1.buffer());
  T second;
  auto d2 = second.decode(r2, version);
  EXPECT_TRUE(d2.ok()) << c.name << " v" << version << ": re-encoded bytes must decode";
  if (!d2.ok()) return true;
  writer w2;
  EXPECT_TRUE(second.encode(w2, version).ok());
  EXPECT_EQ(w1.buffer(), w2.buffer()) << c.name << " v" << version << ": not a fixed point";
  return true;
}

template <class T>
void run_case(const test_case& c) {
  const int seeds = seeds_per_version();
  for (int16_t version = T::min_version; version <= T::max_version; ++version) {
    for (int index = 0; index < seeds; ++index) {
      const uint64_t seed = seed_of(c.name, version, index);
      SCOPED_TRACE(std::string(c.name) + " v" + std::to_string(version) + " seed index " +
                   std::to_string(index));
      filler g(seed);
      T original;
      random_fill(original, version, g);

      writer w;
      auto encoded = original.encode(w, version);
      ASSERT_TRUE(encoded.ok()) << to_string(encoded.code()) << " " << encoded.message();
      const protocol::bytes& wire = w.buffer();

      reader r(wire);
      T decoded;
      auto result = decoded.decode(r, version);
      ASSERT_TRUE(result.ok()) << to_string(result.code());
      EXPECT_EQ(r.remaining(), 0u);
      ASSERT_TRUE(decoded == original) << "decoded value differs from the encoded one";

      writer again;
      ASSERT_TRUE(decoded.encode(again, version).ok());
      ASSERT_EQ(again.buffer(), wire) << "re-encoding is not byte-exact";

      // Every strict prefix must fail (decoding the whole consumed its last byte); each prefix is
      // its own allocation so ASan sees any read past it.
      if (index < 2) {
        for (size_t n : prefix_lengths(wire.size(), g)) {
          protocol::bytes prefix(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(n));
          reader pr(prefix);
          T partial;
          EXPECT_FALSE(partial.decode(pr, version).ok()) << "a " << n << "-byte prefix decoded";
        }
      }

      // Corrupt 1-3 bytes: an error or a value that re-encodes to a fixed point, never a crash.
      if (!wire.empty()) {
        for (int round = 0; round < 12; ++round) {
          protocol::bytes bad = wire;
          const int flips = 1 + static_cast<int>(g.count() % 3);
          for (int i = 0; i < flips; ++i) {
            const size_t at = static_cast<size_t>(g.uint32()) % bad.size();
            bad[at] = static_cast<uint8_t>(bad[at] ^ static_cast<uint8_t>(1 + g.uint16() % 255));
          }
          decode_to_fixed_point<T>(c, version, bad);
        }
      }
    }
  }
}

template <class T>
constexpr test_case make_case(const char* name) {
  return test_case{name, T::min_version, T::max_version, &run_case<T>};
}

}  // namespace sluice::protocol::roundtrip
