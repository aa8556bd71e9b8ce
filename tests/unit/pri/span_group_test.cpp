// Tests for host/pri/span_group.cpp: a group of two network-side spans, each
// with its user-side peer on its own frames socket, on one manual-clock loop.
#include "pri/span_group.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "pri/span.h"
#include "support/run_command.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;

core::SpanConfig config(const std::string& name, core::SpanSide side, core::SpanSocketRole role,
                        const std::string& path, core::ChannelHunting hunting) {
  core::SpanConfig s;
  s.name = name;
  s.type = core::SpanType::kE1;
  s.side = side;
  s.socket_role = role;
  s.socket_path = path;
  s.channels = {1};  // one channel: the second call must go to the other span
  s.hunting = hunting;
  s.group = "g";
  return s;
}

class SpanGroupTest : public ::testing::TestWithParam<core::ChannelHunting> {
 protected:
  void SetUp() override {
    for (const char* n : {"a", "b"}) {
      const std::string path = (dir_.path() / (std::string(n) + ".sock")).string();
      nt_.push_back(std::make_unique<Span>(
          loop_, config(n, core::SpanSide::kNetwork, core::SpanSocketRole::kListen, path, GetParam()),
          Span::Callbacks{}));
      te_.push_back(std::make_unique<Span>(
          loop_, config(std::string("peer-") + n, core::SpanSide::kUser, core::SpanSocketRole::kConnect, path,
                        core::ChannelHunting::kAscending),
          Span::Callbacks{}));
    }
    for (auto* v : {&nt_, &te_})
      for (auto& s : *v) s->start();
    run(50ms);
    for (auto& s : nt_) group_.add(*s);
  }
  void run(core::Clock::duration d) {
    for (auto t = core::Clock::duration(0); t < d; t += 1ms) loop_.advance(clock_, 1ms);
  }
  std::string placed_on() {
    OutgoingCall call;
    call.setup.called.digits = "1";
    const SpanGroup::Placed p = group_.setup(call);
    run(5ms);
    return p.span ? p.span->name() : "none:" + std::to_string(p.result.refused ? int(*p.result.refused) : 0);
  }

  test::TempDir dir_{"sipnic-group"};
  core::ManualClock clock_;
  core::EventLoop loop_{clock_};
  std::vector<std::unique_ptr<Span>> nt_, te_;
  SpanGroup group_{"g", GetParam()};
};

TEST_P(SpanGroupTest, CallsGoToTheSpansInHuntingOrderThenAllBusyIs34) {
  const auto h = GetParam();
  const std::string first = h == core::ChannelHunting::kDescending ? "b" : "a";
  const std::string second = first == "a" ? "b" : "a";
  EXPECT_EQ(placed_on(), first);
  EXPECT_EQ(placed_on(), second);
  EXPECT_EQ(placed_on(), "none:34");
}

TEST_P(SpanGroupTest, ASpanWithItsDChannelDownPassesTheCallOn) {
  te_[0].reset();  // span a's peer goes: its D-channel goes down
  run(20ms);
  ASSERT_FALSE(nt_[0]->calls().link_up());
  EXPECT_EQ(placed_on(), "b");
}

TEST(SpanGroupRoundRobin, StartsAfterTheSpanThatTookTheLastCall) {
  test::TempDir dir("sipnic-group-rr");
  core::ManualClock clock;
  core::EventLoop loop(clock);
  std::vector<std::unique_ptr<Span>> spans;
  SpanGroup group("g", core::ChannelHunting::kRoundRobin);
  for (const char* n : {"a", "b"}) {
    const std::string path = (dir.path() / (std::string(n) + ".sock")).string();
    auto nt = config(n, core::SpanSide::kNetwork, core::SpanSocketRole::kListen, path, core::ChannelHunting::kRoundRobin);
    nt.channels = {1, 2, 3};
    auto te = config(std::string("p") + n, core::SpanSide::kUser, core::SpanSocketRole::kConnect, path,
                     core::ChannelHunting::kAscending);
    te.channels = {1, 2, 3};
    spans.push_back(std::make_unique<Span>(loop, nt, Span::Callbacks{}));
    spans.push_back(std::make_unique<Span>(loop, te, Span::Callbacks{}));
  }
  for (auto& s : spans) s->start();
  for (int i = 0; i < 50; ++i) loop.advance(clock, 1ms);
  group.add(*spans[0]);
  group.add(*spans[2]);
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    OutgoingCall call;
    call.setup.called.digits = "1";
    const auto p = group.setup(call);
    order.push_back(p.span ? p.span->name() : "none");
  }
  EXPECT_EQ(order, (std::vector<std::string>{"b", "a", "b", "a"}));
}

std::string hunting_name(const ::testing::TestParamInfo<core::ChannelHunting>& info) {
  return info.param == core::ChannelHunting::kAscending ? "Ascending" : "Descending";
}

INSTANTIATE_TEST_SUITE_P(Hunting, SpanGroupTest,
                         ::testing::Values(core::ChannelHunting::kAscending, core::ChannelHunting::kDescending),
                         hunting_name);

}  // namespace
}  // namespace sipnic::pri
