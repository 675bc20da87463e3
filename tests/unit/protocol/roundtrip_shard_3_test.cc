// Round-trip property test, shard 3 of 4: the generated random-fill functions and case table of
// this shard (see roundtrip_support.h for what is checked).
#include "roundtrip_shard.h"

#include "protocol/generated/testing/roundtrip_shard_3.inc"

namespace sluice::protocol::roundtrip {

INSTANTIATE_TEST_SUITE_P(shard_3, generated_codec, ::testing::ValuesIn(roundtrip_shard_3),
                         case_name);

}  // namespace sluice::protocol::roundtrip
