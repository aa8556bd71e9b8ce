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
  c.routes.push_back({"uk", "0044", "pbx", "uk", 4, "+44", {}, {}});
  c.routes.push_back({"out", "", "pbx", "carrier", 0, "", {}, {}});
  c.routes.push_back({"in", "", "carrier", "pbx", 1, "", {}, {}});
  return c;
}

TEST(Router, FirstMatchingRouteWinsInConfigOrder) {
  auto c = two_trunk_config();
  Router r(c);
  auto d = r.route({"pbx", "00441234"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target->name, "uk");
  EXPECT_EQ(d->user, "+441234");
  auto other = r.route({"pbx", "5551234"});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->target->name, "carrier");
  EXPECT_EQ(other->user, "5551234");
}

TEST(Router, SourceTrunkSelectsTheRoute) {
  auto c = two_trunk_config();
  Router r(c);
  auto d = r.route({"carrier", "95551234"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target->name, "pbx");
  EXPECT_EQ(d->user, "5551234");  // strip = 1
}

TEST(Router, NoMatchingRouteGivesNothing) {
  auto c = two_trunk_config();
  Router r(c);
  EXPECT_FALSE(r.route({"uk", "123"}));
}

TEST(Router, RoutesWithMethodsTakeOnlyThoseMethods) {
  auto c = two_trunk_config();
  core::RouteConfig messages{"messages", "", "pbx", "uk", 0, "", {}, {}};
  messages.methods = {"MESSAGE"};
  c.routes.insert(c.routes.begin(), messages);
  Router r(c);
  auto m = r.route({.from_trunk = "pbx", .user = "5551234", .method = "MESSAGE"});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->target->name, "uk");
  auto call = r.route({.from_trunk = "pbx", .user = "5551234", .method = "INVITE"});
  ASSERT_TRUE(call);
  EXPECT_EQ(call->target->name, "carrier");  // the routes without methods take every method
}

// RFC 4458: a voicemail platform behind a trunk takes the calls that were
// diverted on busy or no reply, whatever the number.
TEST(Router, RequestUriParametersSelectTheRoute) {
  auto c = two_trunk_config();
  core::RouteConfig voicemail{"voicemail", "", "pbx", "uk", 0, "", {}, {}};
  voicemail.match_params = {"target", "cause=486"};
  c.routes.insert(c.routes.begin(), voicemail);
  Router r(c);
  auto busy = r.route({.from_trunk = "pbx", .user = "5551234", .uri_params = ";target=sip:+445551234%40pbx;cause=486"});
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->route->name, "voicemail");
  auto no_reply = r.route({.from_trunk = "pbx", .user = "5551234", .uri_params = ";target=sip:+445551234%40pbx;cause=408"});
  ASSERT_TRUE(no_reply);
  EXPECT_EQ(no_reply->route->name, "out");  // cause differs
  auto plain = r.route({.from_trunk = "pbx", .user = "5551234", .uri_params = ";CAUSE=486"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->route->name, "out");  // no target
}

TEST(RewriteNumber, StripsThenPrepends) {
  EXPECT_EQ(rewrite_number("0044207", 4, "+44"), "+44207");
  EXPECT_EQ(rewrite_number("12", 5, "+1"), "+1");  // stripping more than there is
  EXPECT_EQ(rewrite_number("12", 0, ""), "12");
}

}  // namespace
}  // namespace sipnic::interwork
