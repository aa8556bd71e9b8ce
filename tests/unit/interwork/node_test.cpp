#include "interwork/node.h"

#include <gtest/gtest.h>

namespace sipnic::interwork {
namespace {

TEST(Node, ConfiguredMaxConnectionsIsUsedAsGiven) {
  EXPECT_EQ(effective_max_connections(500, 1024), 500u);
  EXPECT_EQ(effective_max_connections(500, 0), 500u);
}

TEST(Node, AutoMaxConnectionsIsThreeQuartersOfTheDescriptorLimit) {
  // The rest stays for listeners, outbound connections, DNS and files, so
  // that the cap is reached before accept() runs out of descriptors.
  EXPECT_EQ(effective_max_connections(0, 1024), 768u);
  EXPECT_EQ(effective_max_connections(0, 128), 96u);
  EXPECT_EQ(effective_max_connections(0, 1), 1u);
  EXPECT_EQ(effective_max_connections(0, 1u << 30), 1000000u);
  EXPECT_EQ(effective_max_connections(0, 0), 0u);  // no known limit: none
}

}  // namespace
}  // namespace sipnic::interwork
