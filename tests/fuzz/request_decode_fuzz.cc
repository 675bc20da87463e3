// libFuzzer target for the request decoder: read a request header, decode the body of that API and
// version; whatever decodes must re-encode, decode again to an equal value and re-encode to the
// same bytes. The rest of the frame is also tried as that API's response body, and as a legacy
// (magic 0/1) message set and v2 batches to convert (protocol/legacy_records.h). Seeds:
// tests/fixtures/client-requests (tests/fuzz/run-smoke.sh).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "protocol/generated/headers.h"
#include "protocol/generated/visit.h"
#include "protocol/legacy_records.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace {

using namespace sluice::protocol;

[[noreturn]] void broken(const char* what, int16_t api_key, int16_t version) {
  std::fprintf(stderr, "request_decode_fuzz: %s (api key %d, version %d)\n", what, api_key,
               version);
  std::abort();
}

// AlterClientQuotas carries float64 values: a NaN re-encodes identically but never compares equal.
bool may_hold_nan(int16_t api_key) {
  return api_key == 49 || api_key == 48;
}

template <class T>
void check_body(bytes_view body, int16_t api_key, int16_t version) {
  reader r(body);
  T first;
  if (!first.decode(r, version).ok()) return;
  writer w1;
  if (!first.encode(w1, version).ok())
    broken("a decoded body does not re-encode", api_key, version);
  reader r2(w1.buffer());
  T second;
  if (!second.decode(r2, version).ok())
    broken("a re-encoded body does not decode", api_key, version);
  if (r2.remaining() != 0) broken("a re-encoded body decodes short", api_key, version);
  if (!(second == first) && !may_hold_nan(api_key)) {
    broken("decode(encode(x)) != x", api_key, version);
  }
  writer w2;
  if (!second.encode(w2, version).ok() || w2.buffer() != w1.buffer()) {
    broken("encoding is not a fixed point", api_key, version);
  }
}

// Legacy message sets: whatever parses must up-convert to a batch that validates; down-conversion
// of arbitrary bytes must fail cleanly or give a set that parses back.
void check_legacy(bytes_view data) {
  legacy::parse_options options;
  options.max_decompressed_bytes = 1 << 20;
  auto set = legacy::parse_message_set(data, options);
  if (set && !set->messages.empty()) {
    auto batch = legacy::to_record_batch(*set, compression_type::none);
    if (!batch || !validate_for_append(*batch).ok())
      broken("an up-converted legacy set does not validate", -1, -1);
  }
  for (int8_t magic : {0, 1}) {
    legacy::down_convert_options down;
    down.magic = magic;
    down.max_bytes = 1 << 20;
    down.max_decompressed_bytes = 1 << 20;
    auto converted = legacy::down_convert(data, down);
    if (converted && !legacy::parse_message_set(*converted).ok())
      broken("a down-converted set does not parse", -1, magic);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bytes_view frame(data, size);
  check_legacy(frame);
  reader peek(frame);
  const int16_t api_key = peek.read_int16();
  const int16_t version = peek.read_int16();
  if (!peek.ok()) return 0;

  const int16_t header_version = request_header_version(api_key, version);
  reader r(frame);
  request_header header;
  if (!header.decode(r, header_version).ok()) return 0;
  writer header_bytes;
  if (!header.encode(header_bytes, header_version).ok())
    broken("header re-encode", api_key, version);

  const bytes_view body = r.rest();
  visit_request_type(api_key, [&](auto type) {
    check_body<typename decltype(type)::type>(body, api_key, version);
  });
  visit_response_type(api_key, [&](auto type) {
    check_body<typename decltype(type)::type>(body, api_key, version);
  });
  return 0;
}
