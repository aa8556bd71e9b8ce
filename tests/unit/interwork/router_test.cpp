#include "interwork/router.h"

#include <gtest/gtest.h>

namespace sipnic::interwork {
namespace {

core::Config two_trunk_config() {
  core::Config c;
  core::TrunkConfig pbx;
  pbx.name = "pbx";
  core::TrunkConfig carrier;
  carrier.name = "carrier";
  core::TrunkConfig uk;
  uk.name = "uk";
  c.trunks = {pbx, carrier, uk};
  c.routes.push_back({"uk", "0044", "pbx", "uk", 4, "+44"});
  c.routes.push_back({"out", "", "pbx", "carrier", 0, ""});
  c.routes.push_back({"in", "", "carrier", "pbx", 1, ""});
  return c;
}

TEST(Router, FirstMatchingRouteWinsInConfigOrder) {
  auto c = two_trunk_config();
  Router r(c);
  auto d = r.route("pbx", "00441234");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target->name, "uk");
  EXPECT_EQ(d->user, "+441234");
  auto other = r.route("pbx", "5551234");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->target->name, "carrier");
  EXPECT_EQ(other->user, "5551234");
}

TEST(Router, SourceTrunkSelectsTheRoute) {
  auto c = two_trunk_config();
  Router r(c);
  auto d = r.route("carrier", "95551234");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target->name, "pbx");
  EXPECT_EQ(d->user, "5551234");  // strip = 1
}

TEST(Router, NoMatchingRouteGivesNothing) {
  auto c = two_trunk_config();
  Router r(c);
  EXPECT_FALSE(r.route("uk", "123"));
}

TEST(RewriteNumber, StripsThenPrepends) {
  EXPECT_EQ(rewrite_number("0044207", 4, "+44"), "+44207");
  EXPECT_EQ(rewrite_number("12", 5, "+1"), "+1");  // stripping more than there is
  EXPECT_EQ(rewrite_number("12", 0, ""), "12");
}

}  // namespace
}  // namespace sipnic::interwork
