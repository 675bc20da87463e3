#include "cli/kafka/client_quotas_command.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(client_quotas_command, prints_values_as_java_doubles) {
  EXPECT_EQ(java_double(1024), "1024.0");
  EXPECT_EQ(java_double(25.5), "25.5");
  EXPECT_EQ(java_double(0), "0.0");
  EXPECT_EQ(java_double(9999999), "9999999.0");
  EXPECT_EQ(java_double(10000000), "1.0E7");
  EXPECT_EQ(java_double(123456789), "1.23456789E8");
  EXPECT_EQ(java_double(0.0005), "5.0E-4");
}

}  // namespace
}  // namespace sluice::cli
