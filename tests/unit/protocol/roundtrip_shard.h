// The parameterized fixture shared by roundtrip_test.cc and the shard files that instantiate it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "roundtrip_support.h"

namespace sluice::protocol::roundtrip {

class generated_codec : public ::testing::TestWithParam<test_case> {};

inline std::string case_name(const ::testing::TestParamInfo<test_case>& info) {
  return info.param.name;
}

}  // namespace sluice::protocol::roundtrip
