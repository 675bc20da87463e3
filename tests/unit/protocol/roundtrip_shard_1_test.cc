// Round-trip property test and known answers, shard 1 of 4: the generated random-fill functions,
// case table and known answers of this shard (see roundtrip_support.h for what is checked).
#include "roundtrip_shard.h"

#include "protocol/generated/testing/roundtrip_shard_1.inc"
// After the round-trip shard, whose random_fill functions it uses.
#include "protocol/generated/testing/known_answers_shard_1.inc"

namespace sluice::protocol::roundtrip {

INSTANTIATE_TEST_SUITE_P(shard_1, generated_codec, ::testing::ValuesIn(roundtrip_shard_1),
                         case_name);
INSTANTIATE_TEST_SUITE_P(shard_1, generated_known_answer,
                         ::testing::ValuesIn(known_answers_shard_1), known_answer_name);

}  // namespace sluice::protocol::roundtrip
