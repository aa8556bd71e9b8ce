// Tests for host/sip/dialog_hop.cpp: locating a dialog's next hop URI
// (RFC 3263) against the flow the dialog runs on, with lookups answered by
// the test.
#include "sip/dialog_hop.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace sipnic::sip {
namespace {

using core::Transport;
using namespace std::chrono_literals;

core::SocketAddress addr(const std::string& ip, std::uint16_t port) { return *core::SocketAddress::from_ip(ip, port); }

// A Stack whose lookups wait for the test to answer them; nothing else is
// used by DialogHop.
class LookupStack final : public Stack {
 public:
  struct Lookup {
    core::HostPort where;
    std::optional<Transport> transport;
    ResolveCallback cb;
  };
  void resolve(const core::HostPort& where, std::optional<Transport> transport, ResolveCallback cb) override {
    lookups.push_back({where, transport, std::move(cb)});
  }
  void answer(std::size_t i, std::vector<ResolvedTarget> targets, std::string error = {}) {
    auto cb = std::move(lookups.at(i).cb);
    cb(std::move(targets), std::move(error));
  }
  std::deque<Lookup> lookups;

  void send_request(OutgoingRequest, const Target&, ClientHandler) override { ADD_FAILURE() << "send_request"; }
  bool send_stateless(const Target&, std::string) override { return false; }
  IncomingRequestPtr find_invite_for_cancel(const SipMessage&) override { return nullptr; }
  TimerId add_timer(core::Millis, std::function<void()>) override { return 0; }
  void cancel_timer(TimerId) override {}
  core::Clock::time_point now() const override { return {}; }
  const TransactionTimers& timers() const override { return timers_; }
  std::string random_token(std::size_t) override { return "t"; }
  std::string new_branch() override { return "z9hG4bKt"; }
  core::SocketAddress local_address(const Target&) const override { return {}; }
  std::string via_for(const Target&, std::string_view) const override { return {}; }

 private:
  TransactionTimers timers_;
};

// What one locate() call was answered with.
struct Answer {
  bool called = false;
  std::optional<Target> target;
  std::string error;
};
DialogHop::Then record(Answer& a) {
  return [&a](const Target* t, std::string_view error) {
    a.called = true;
    if (t) a.target = *t;
    a.error = std::string(error);
  };
}

Target udp_flow() { return Target{Transport::kUdp, addr("127.0.0.2", 5060), {}, "pbx"}; }

TEST(DialogHop, AnIpLiteralIsLocatedAtOnceOnTheFlowsTransportAndDefaultPort) {
  LookupStack stack;
  DialogHop hop(udp_flow());
  Answer a;
  hop.locate(stack, "sip:alice@127.0.0.4", record(a));
  ASSERT_TRUE(a.called);
  ASSERT_TRUE(a.target);
  EXPECT_EQ(a.target->transport, Transport::kUdp);
  EXPECT_EQ(a.target->address, addr("127.0.0.4", 5060));
  EXPECT_EQ(a.target->trunk, "pbx");
  EXPECT_TRUE(stack.lookups.empty());  // no DNS

  DialogHop tls(Target{Transport::kTls, addr("127.0.0.2", 40000), {0, 3}, "edge"});
  Answer b;
  tls.locate(stack, "sip:[::1];lr", record(b));
  ASSERT_TRUE(b.target);
  EXPECT_EQ(b.target->transport, Transport::kTls);
  EXPECT_EQ(b.target->address, addr("::1", 5061));
}

TEST(DialogHop, TheUrisTransportIsTakenButATlsFlowStaysTlsAndNoOtherBecomesIt) {
  LookupStack stack;
  DialogHop udp(udp_flow());
  Answer a;
  udp.locate(stack, "sip:gw@127.0.0.4:5070;transport=tcp", record(a));
  ASSERT_TRUE(a.target);
  EXPECT_EQ(a.target->transport, Transport::kTcp);
  EXPECT_EQ(a.target->address, addr("127.0.0.4", 5070));

  DialogHop tls(Target{Transport::kTls, addr("127.0.0.2", 40000), {}, "edge"});
  Answer b;
  tls.locate(stack, "sip:gw@127.0.0.4:5070;transport=tcp", record(b));
  ASSERT_TRUE(b.target);
  EXPECT_EQ(b.target->transport, Transport::kTls);  // never downgraded

  Answer c;
  udp.locate(stack, "sips:gw@127.0.0.4", record(c));
  ASSERT_TRUE(c.called);
  EXPECT_FALSE(c.target);
  EXPECT_NE(c.error.find("asks for TLS"), std::string::npos) << c.error;
}

TEST(DialogHop, AStreamNextHopAtTheFlowsIpReusesItsConnection) {
  LookupStack stack;
  DialogHop hop(Target{Transport::kTcp, addr("127.0.0.2", 40123), {1, 7}, "pbx"});
  Answer same, other;
  hop.locate(stack, "sip:alice@127.0.0.2:5060;transport=tcp", record(same));
  ASSERT_TRUE(same.target);
  EXPECT_EQ(same.target->address, addr("127.0.0.2", 5060));
  EXPECT_EQ(same.target->connection.worker, 1u);
  EXPECT_EQ(same.target->connection.id, 7u);
  hop.locate(stack, "sip:alice@127.0.0.5;transport=tcp", record(other));
  ASSERT_TRUE(other.target);
  EXPECT_FALSE(other.target->connection.valid());  // another host: its own connection
}

TEST(DialogHop, AHostNameIsLookedUpOnceAndTheRequestsWaitingForItGoInOrder) {
  LookupStack stack;
  DialogHop hop(udp_flow());
  std::vector<int> order;
  std::vector<Target> targets;
  auto in_order = [&](int n) {
    return [&order, &targets, n](const Target* t, std::string_view) {
      order.push_back(n);
      if (t) targets.push_back(*t);
    };
  };
  hop.locate(stack, "sip:proxy.example.test;lr", in_order(1));
  hop.locate(stack, "sip:proxy.example.test;lr", in_order(2));
  ASSERT_EQ(stack.lookups.size(), 1u);
  EXPECT_EQ(stack.lookups[0].where, (core::HostPort{"proxy.example.test", 0}));
  EXPECT_EQ(stack.lookups[0].transport, Transport::kUdp);
  EXPECT_TRUE(order.empty());
  stack.answer(0, {{Transport::kUdp, "127.0.0.6", 5090, "proxy.example.test"}});
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].address, addr("127.0.0.6", 5090));
  // Kept for that URI: the next request needs no lookup.
  hop.locate(stack, "sip:proxy.example.test;lr", in_order(3));
  EXPECT_EQ(order.back(), 3);
  EXPECT_EQ(stack.lookups.size(), 1u);
}

TEST(DialogHop, AFailedLookupFailsEveryRequestWaitingForIt) {
  LookupStack stack;
  DialogHop hop(udp_flow());
  Answer a, b;
  hop.locate(stack, "sip:gw.example.test", record(a));
  hop.locate(stack, "sip:gw.example.test", record(b));
  stack.answer(0, {}, "gw.example.test: NXDOMAIN");
  for (const Answer* x : {&a, &b}) {
    EXPECT_TRUE(x->called);
    EXPECT_FALSE(x->target);
    EXPECT_NE(x->error.find("NXDOMAIN"), std::string::npos) << x->error;
  }
  Answer c;
  hop.locate(stack, "tel:+15551234567", record(c));
  EXPECT_TRUE(c.called);
  EXPECT_FALSE(c.target);
}

TEST(DialogHop, ANewFlowOrTheHopsEndDropsTheLookupsUnderWay) {
  LookupStack stack;
  DialogHop hop(udp_flow());
  Answer a;
  hop.locate(stack, "sip:gw.example.test", record(a));
  hop.set_flow(Target{Transport::kUdp, addr("127.0.0.3", 5060), {}, "carrier"});
  stack.answer(0, {{Transport::kUdp, "127.0.0.6", 5060, ""}});
  EXPECT_FALSE(a.called);
  EXPECT_EQ(hop.flow().trunk, "carrier");

  Answer b;
  {
    DialogHop gone(udp_flow());
    gone.locate(stack, "sip:gw.example.test", record(b));
  }
  stack.answer(1, {{Transport::kUdp, "127.0.0.6", 5060, ""}});
  EXPECT_FALSE(b.called);
}

}  // namespace
}  // namespace sipnic::sip
