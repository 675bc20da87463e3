// The parameterized fixture shared by roundtrip_test.cc and the shard files that instantiate it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "roundtrip_support.h"

namespace sluice::protocol::roundtrip {

class generated_codec : public ::testing::TestWithParam<test_case> {};

class generated_known_answer : public ::testing::TestWithParam<known_answer> {};

inline std::string case_name(const ::testing::TestParamInfo<test_case>& info) {
  return info.param.name;
}

inline std::string known_answer_name(const ::testing::TestParamInfo<known_answer>& info) {
  return std::string(info.param.name) + "_v" + std::to_string(info.param.version);
}

}  // namespace sluice::protocol::roundtrip
