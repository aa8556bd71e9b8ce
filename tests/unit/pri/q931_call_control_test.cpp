// Tests for host/pri/q931_call_control.cpp and q931_global_procedures.cpp:
// Q.931 calls on a core::ManualClock. Most tests put a user side and a
// network side back to back over two real Q.921 links (frames cross the
// wire in 1 ms, and the wire can be cut); the rest put one call control
// against messages the test writes itself, for what a well-behaved peer
// never sends and for a peer that stays silent (timers).
#include "pri/q931_call_control.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "pri/q921_link.h"
#include "pri/q931_call_setup.h"
#include "support/hex.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;
using q931::Message;
using q931::MessageType;
using Bytes = std::vector<std::uint8_t>;

// An event as the layer above saw it (the SETUP copied: its pointer only
// lives during the callback).
struct Heard {
  CallEvent event;
  std::optional<CallSetup> setup;
};

// What one call control said and heard.
struct Record {
  std::vector<Message> sent;  // decoded as the far end reads them
  std::vector<Heard> heard;
  std::function<void(const CallEvent&)> react;  // the layer above answering

  std::vector<CallEventType> types(CallId call) const {
    std::vector<CallEventType> out;
    for (const auto& h : heard)
      if (h.event.call == call) out.push_back(h.event.type);
    return out;
  }
  const Heard* last(CallEventType t) const {
    for (auto it = heard.rbegin(); it != heard.rend(); ++it)
      if (it->event.type == t) return &*it;
    return nullptr;
  }
  std::vector<MessageType> sent_types() const {
    std::vector<MessageType> out;
    for (const auto& m : sent) out.push_back(m.type);
    return out;
  }
  const Message* last_sent(MessageType t) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (it->type == t) return &*it;
    return nullptr;
  }
  std::size_t count_sent(MessageType t) const {
    return static_cast<std::size_t>(std::count_if(sent.begin(), sent.end(), [t](const Message& m) { return m.type == t; }));
  }
};

std::optional<int> cause_of(const Message* m) {
  if (!m) return std::nullopt;
  auto c = q931::read_cause(*m);
  if (!c) return std::nullopt;
  return c->value;
}
std::optional<int> call_state_of(const Message* m) {
  if (!m) return std::nullopt;
  const auto* e = m->find(q931::ie::kCallState);
  if (!e) return std::nullopt;
  auto s = q931::decode_call_state(e->contents);
  return s ? std::optional<int>(s->value) : std::nullopt;
}
std::optional<int> channel_of(const Message* m, const VariantTraits& v, LineType line) {
  if (!m) return std::nullopt;
  auto c = q931::read_channel(*m, v, line);
  if (!c || c->channels.empty()) return std::nullopt;
  return c->channels.front();
}

Q931Config q931_config(Side side, SwitchVariant variant = SwitchVariant::kEuroIsdnE1, LineType line = LineType::kE1) {
  Q931Config c;
  c.side = side;
  c.variant = variant;
  c.line = line;
  c.name = side == Side::kUser ? "te" : "nt";
  return c;
}

std::vector<std::uint8_t> all_b_channels(LineType line) {
  return core::b_channel_numbers(line, core::DChannelRole::kPrimary);
}

// One side: its channels, its Q.931 (and, back to back, its Q.921 link).
struct Node {
  Node(core::EventLoop& loop, Q931Config cfg, std::vector<std::uint8_t> channels,
       std::function<bool(std::span<const std::uint8_t>)> down)
      : pool(cfg.line, channels, core::default_channel_hunting(cfg.side)) {
    const Side side = cfg.side;
    const SwitchVariant variant = cfg.variant;
    const LineType line = cfg.line;
    Q931CallControl::Callbacks cb;
    cb.send = [this, side, variant, line, down](std::span<const std::uint8_t> octets) {
      q931::DecodeOptions o;
      o.variant = &variant_traits(variant);
      o.line = line;
      o.direction = side == Side::kUser ? q931::Direction::kUserToNetwork : q931::Direction::kNetworkToUser;
      auto d = q931::decode_message(octets, o);
      EXPECT_TRUE(d.header_decoded) << "sent a message that does not decode: " << test::to_hex(octets);
      record.sent.push_back(d.message);
      return down ? down(octets) : true;
    };
    cb.on_event = [this](const CallEvent& e) {
      Heard h{e, e.setup ? std::optional<CallSetup>(*e.setup) : std::nullopt};
      h.event.setup = nullptr;
      record.heard.push_back(std::move(h));
      if (record.react) record.react(e);
    };
    q931 = std::make_unique<Q931CallControl>(loop, cfg, pool, cb);
  }

  BChannelPool pool;
  Record record;
  std::unique_ptr<Q921Link> link;
  std::unique_ptr<Q931CallControl> q931;
};

OutgoingCall call_to(std::string digits, std::optional<std::uint8_t> channel = {}, bool exclusive = false) {
  OutgoingCall c;
  c.setup.called.type = q931::TypeOfNumber::kNational;
  c.setup.called.digits = std::move(digits);
  q931::PartyNumber calling;
  calling.digits = "5550100";
  c.setup.calling = calling;
  c.channel = channel;
  c.exclusive = exclusive;
  return c;
}

// A user side and a network side back to back over two Q.921 links.
class BackToBack {
 public:
  explicit BackToBack(SwitchVariant variant = SwitchVariant::kEuroIsdnE1, LineType line = LineType::kE1,
                      std::vector<std::uint8_t> channels = {})
      : loop_(clock_) {
    if (channels.empty()) channels = all_b_channels(line);
    auto make = [&](Side side) {
      auto node = std::make_unique<Node>(loop_, q931_config(side, variant, line), channels,
                                         [this, side](std::span<const std::uint8_t> m) {
                                           return (side == Side::kUser ? user : network)->link->data_request(m);
                                         });
      Q921Config l2;
      l2.side = side;
      Q921Link::Callbacks cb;
      cb.send_frame = [this, side](std::span<const std::uint8_t> f) { carry(Bytes(f.begin(), f.end()), side); };
      Node* n = node.get();
      cb.to_layer3 = [n](const DlIndication& ind) { n->q931->dl_indication(ind); };
      node->link = std::make_unique<Q921Link>(loop_, l2, cb);
      return node;
    };
    user = make(Side::kUser);
    network = make(Side::kNetwork);
    user->link->establish_request();
    network->link->establish_request();
    run(20ms);
  }

  void run(core::Clock::duration d) { loop_.advance(clock_, d); }

  std::unique_ptr<Node> user;
  std::unique_ptr<Node> network;
  bool cut = false;

 private:
  void carry(Bytes frame, Side from) {
    if (cut) return;
    Q921Link* to = (from == Side::kUser ? network : user)->link.get();
    loop_.add_timer(1ms, [to, frame] { to->receive(frame); });
  }

  core::ManualClock clock_;
  core::EventLoop loop_;
};

// One call control; the test is the far end and writes its messages.
class Solo {
 public:
  explicit Solo(Side side, SwitchVariant variant = SwitchVariant::kEuroIsdnE1, LineType line = LineType::kE1,
                std::vector<std::uint8_t> channels = {}, Q931Config cfg = {})
      : loop_(clock_) {
    cfg.side = side;
    cfg.variant = variant;
    cfg.line = line;
    if (channels.empty()) channels = all_b_channels(line);
    node = std::make_unique<Node>(loop_, cfg, channels, nullptr);
    node->q931->dl_indication(DlIndication{DlPrimitive::kEstablishIndication});
  }

  void run(core::Clock::duration d) { loop_.advance(clock_, d); }
  const VariantTraits& traits() const { return node->q931->variant(); }
  LineType line() const { return node->q931->config().line; }
  Side far_side() const { return other_side(node->q931->config().side); }

  // A message from the far end. `ours`: the reference is one this side allocated.
  Message from_peer(MessageType t, std::uint16_t cr, bool ours) const {
    return q931::make_message(t, q931::CallReference{2, cr, ours}, traits());
  }
  void deliver(const Message& m) { deliver(q931::encode_message(m)); }
  void deliver(const Bytes& octets) {
    node->q931->dl_indication(DlIndication{DlPrimitive::kDataIndication, octets});
  }
  q931::InformationElement channel(std::uint8_t ch, bool exclusive = true) const {
    q931::ChannelIdentification id;
    id.exclusive = exclusive;
    id.channels = {ch};
    return q931::to_ie(id, line());
  }
  q931::InformationElement cause(Cause c) const {
    return q931::to_ie(q931::make_cause(c, q931::Location::kPublicNetworkLocalUser));
  }
  // A SETUP from the far end on `ch` for `digits`.
  Message setup(std::uint16_t cr, std::uint8_t ch, bool exclusive = true, std::string digits = "1234") const {
    Message m = from_peer(MessageType::kSetup, cr, false);
    m.add(channel(ch, exclusive));
    CallSetup s;
    s.called.digits = std::move(digits);
    q931::add_setup_ies(m, s, traits(), far_side());
    return m;
  }
  // The reference of this side's last SETUP.
  std::uint16_t last_setup_reference() const {
    const Message* m = node->record.last_sent(MessageType::kSetup);
    return m ? m->call_reference.value : 0;
  }
  CallId incoming_call() const {
    const Heard* h = node->record.last(CallEventType::kIncomingSetup);
    return h ? h->event.call : kNoCall;
  }

  std::unique_ptr<Node> node;

 private:
  core::ManualClock clock_;
  core::EventLoop loop_;
};

// The far end answers each incoming call with `steps`, in order.
void answer_with(Node& n, std::vector<MessageType> steps) {
  n.record.react = [&n, steps](const CallEvent& e) {
    if (e.type != CallEventType::kIncomingSetup) return;
    for (auto s : steps) {
      switch (s) {
        case MessageType::kCallProceeding: EXPECT_TRUE(n.q931->proceeding(e.call)); break;
        case MessageType::kAlerting: EXPECT_TRUE(n.q931->alerting(e.call)); break;
        case MessageType::kConnect: EXPECT_TRUE(n.q931->answer(e.call)); break;
        default: break;
      }
    }
  };
}

// ---------------------------------------------------------------------------
// Basic calls, back to back

TEST(Q931CallControl, AUserSideCallIsProceededAlertedAnsweredAndCleared) {
  BackToBack b;
  const SetupResult r = b.user->q931->setup(call_to("2125551234"));
  ASSERT_NE(r.call, kNoCall);
  EXPECT_EQ(r.channel, 1);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kCallInitiated);
  b.run(10ms);
  const Heard* in = b.network->record.last(CallEventType::kIncomingSetup);
  ASSERT_NE(in, nullptr);
  ASSERT_TRUE(in->setup);
  EXPECT_EQ(in->setup->called.digits, "2125551234");
  ASSERT_TRUE(in->setup->calling);
  EXPECT_EQ(in->setup->calling->digits, "5550100");
  const CallId far = in->event.call;
  EXPECT_EQ(in->event.channel, 1);
  EXPECT_EQ(b.network->q931->call(far)->state, CallState::kCallInitiated);  // N1

  ASSERT_TRUE(b.network->q931->proceeding(far));
  b.run(10ms);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kOutgoingCallProceeding);
  EXPECT_EQ(b.network->q931->call(far)->state, CallState::kOutgoingCallProceeding);  // N3
  ASSERT_TRUE(b.network->q931->alerting(far));
  b.run(10ms);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kCallDelivered);
  ASSERT_TRUE(b.network->q931->answer(far));
  b.run(10ms);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kActive);
  EXPECT_EQ(b.network->q931->call(far)->state, CallState::kActive);
  EXPECT_EQ(b.user->record.types(r.call),
            (std::vector<CallEventType>{CallEventType::kProceeding, CallEventType::kAlerting,
                                        CallEventType::kConnected}));
  EXPECT_EQ(b.user->record.count_sent(MessageType::kConnectAcknowledge), 1u);
  EXPECT_EQ(b.user->pool.state(1), BChannelState::kInUse);

  ASSERT_TRUE(b.user->q931->disconnect(r.call, Cause::kNormalCallClearing));
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kDisconnectRequest);
  b.run(20ms);
  EXPECT_FALSE(b.user->q931->call(r.call));
  EXPECT_FALSE(b.network->q931->call(far));
  const Heard* gone = b.network->record.last(CallEventType::kReleased);
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->event.cause, Cause::kNormalCallClearing);
  EXPECT_FALSE(gone->event.cleared_here);
  EXPECT_NE(b.network->record.last(CallEventType::kDisconnecting), nullptr);
  const Heard* mine = b.user->record.last(CallEventType::kReleased);
  ASSERT_NE(mine, nullptr);
  EXPECT_TRUE(mine->event.cleared_here);
  EXPECT_EQ(b.user->pool.state(1), BChannelState::kIdle);
  EXPECT_EQ(b.network->pool.state(1), BChannelState::kIdle);
  EXPECT_EQ(b.user->record.sent_types(),
            (std::vector<MessageType>{MessageType::kSetup, MessageType::kConnectAcknowledge, MessageType::kDisconnect,
                                      MessageType::kReleaseComplete}));
  EXPECT_EQ(b.network->record.sent_types(),
            (std::vector<MessageType>{MessageType::kCallProceeding, MessageType::kAlerting, MessageType::kConnect,
                                      MessageType::kRelease}));
  EXPECT_EQ(cause_of(b.network->record.last_sent(MessageType::kRelease)), 16);  // the DISCONNECT's, again
}

TEST(Q931CallControl, ANetworkSideCallIsAnsweredByTheUserWithConnectAcknowledged) {
  BackToBack b(SwitchVariant::kNi2, LineType::kT1);
  answer_with(*b.user, {MessageType::kCallProceeding, MessageType::kAlerting, MessageType::kConnect});
  const SetupResult r = b.network->q931->setup(call_to("5551234"));
  ASSERT_NE(r.call, kNoCall);
  EXPECT_EQ(r.channel, 23);  // the network side hunts descending
  EXPECT_EQ(b.network->q931->call(r.call)->state, CallState::kCallPresent);  // N6
  b.run(10ms);
  const Heard* in = b.user->record.last(CallEventType::kIncomingSetup);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(b.user->q931->call(in->event.call)->state, CallState::kActive);  // U8, then U10 on CONNECT ACK
  EXPECT_EQ(b.network->q931->call(r.call)->state, CallState::kActive);
  EXPECT_EQ(b.user->record.types(in->event.call),
            (std::vector<CallEventType>{CallEventType::kIncomingSetup, CallEventType::kConnected}));
  const Message* setup = b.network->record.last_sent(MessageType::kSetup);
  ASSERT_NE(setup, nullptr);
  auto ch = q931::read_channel(*setup, b.network->q931->variant(), LineType::kT1);
  ASSERT_TRUE(ch);
  EXPECT_TRUE(ch->exclusive);

  ASSERT_TRUE(b.network->q931->disconnect(r.call, Cause::kNormalCallClearing));
  EXPECT_EQ(b.network->q931->call(r.call)->state, CallState::kDisconnectIndication);  // N12
  b.run(20ms);
  EXPECT_TRUE(b.user->q931->calls().empty());
  EXPECT_TRUE(b.network->q931->calls().empty());
  EXPECT_EQ(b.user->pool.count(BChannelState::kIdle), 23u);
}

TEST(Q931CallControl, AnEventHandlerMayAnswerInsideTheIncomingSetupEvent) {
  BackToBack b;
  answer_with(*b.network, {MessageType::kConnect});
  const SetupResult r = b.user->q931->setup(call_to("100"));
  b.run(10ms);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kActive);
  EXPECT_EQ(b.user->record.types(r.call), (std::vector<CallEventType>{CallEventType::kConnected}));
}

TEST(Q931CallControl, AnUnansweredIncomingCallIsRefusedWithReleaseCompleteAndItsCause) {
  BackToBack b;
  b.network->record.react = [&](const CallEvent& e) {
    if (e.type == CallEventType::kIncomingSetup) {
      EXPECT_TRUE(b.network->q931->disconnect(e.call, Cause::kUserBusy));
    }
  };
  const SetupResult r = b.user->q931->setup(call_to("100"));
  b.run(10ms);
  EXPECT_FALSE(b.user->q931->call(r.call));
  const Heard* gone = b.user->record.last(CallEventType::kReleased);
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->event.cause, Cause::kUserBusy);
  EXPECT_FALSE(gone->event.cleared_here);
  EXPECT_EQ(b.network->record.sent_types(), (std::vector<MessageType>{MessageType::kReleaseComplete}));
  EXPECT_EQ(b.user->pool.state(1), BChannelState::kIdle);
}

TEST(Q931CallControl, ACallRejectedAfterProceedingIsClearedWithDisconnect) {
  BackToBack b;
  b.network->record.react = [&](const CallEvent& e) {
    if (e.type != CallEventType::kIncomingSetup) return;
    EXPECT_TRUE(b.network->q931->proceeding(e.call));
    EXPECT_TRUE(b.network->q931->disconnect(e.call, Cause::kCallRejected, true));
  };
  const SetupResult r = b.user->q931->setup(call_to("100"));
  b.run(20ms);
  const Heard* disc = b.user->record.last(CallEventType::kDisconnecting);
  ASSERT_NE(disc, nullptr);
  EXPECT_EQ(disc->event.cause, Cause::kCallRejected);
  EXPECT_TRUE(disc->event.inband);  // progress 8 in the DISCONNECT
  EXPECT_EQ(disc->event.progress, 8);
  EXPECT_FALSE(b.user->q931->call(r.call));
  EXPECT_EQ(b.user->record.last(CallEventType::kReleased)->event.cause, Cause::kCallRejected);
}

TEST(Q931CallControl, OverlapSendingCarriesDigitsInInformationAfterSetupAcknowledge) {
  BackToBack b;
  b.network->record.react = [&](const CallEvent& e) {
    if (e.type == CallEventType::kIncomingSetup) {
      EXPECT_FALSE(e.setup->sending_complete);
      EXPECT_TRUE(b.network->q931->setup_acknowledge(e.call));
    }
  };
  OutgoingCall c = call_to("21");
  c.setup.sending_complete = false;
  const SetupResult r = b.user->q931->setup(c);
  b.run(10ms);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kOverlapSending);
  const CallId far = b.network->record.last(CallEventType::kIncomingSetup)->event.call;
  EXPECT_EQ(b.network->q931->call(far)->state, CallState::kOverlapSending);  // N2
  ASSERT_TRUE(b.user->q931->information(r.call, "25"));
  ASSERT_TRUE(b.user->q931->information(r.call, "55", true));
  b.run(10ms);
  std::string digits;
  bool complete = false;
  for (const auto& h : b.network->record.heard)
    if (h.event.type == CallEventType::kInformation) {
      digits += h.event.digits;
      complete = h.event.sending_complete;
    }
  EXPECT_EQ(digits, "2555");
  EXPECT_TRUE(complete);
  ASSERT_TRUE(b.network->q931->proceeding(far));
  b.run(10ms);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kOutgoingCallProceeding);
}

TEST(Q931CallControl, T302TellsTheLayerAboveThatNoMoreDigitsCame) {
  BackToBack b;
  b.network->record.react = [&](const CallEvent& e) {
    if (e.type == CallEventType::kIncomingSetup) b.network->q931->setup_acknowledge(e.call);
  };
  OutgoingCall c = call_to("21");
  c.setup.sending_complete = false;
  b.user->q931->setup(c);
  b.run(10ms);
  EXPECT_EQ(b.network->record.last(CallEventType::kInformation), nullptr);
  b.run(15s);
  const Heard* timeout = b.network->record.last(CallEventType::kInformation);
  ASSERT_NE(timeout, nullptr);
  EXPECT_TRUE(timeout->event.sending_complete);
  EXPECT_TRUE(timeout->event.digits.empty());
}

TEST(Q931CallControl, BothSidesClearingAtOnceEndsTheCallOnBoth) {
  BackToBack b;
  answer_with(*b.network, {MessageType::kConnect});
  const SetupResult r = b.user->q931->setup(call_to("100"));
  b.run(10ms);
  const CallId far = b.network->record.last(CallEventType::kIncomingSetup)->event.call;
  ASSERT_TRUE(b.user->q931->disconnect(r.call, Cause::kNormalCallClearing));
  ASSERT_TRUE(b.network->q931->disconnect(far, Cause::kNormalCallClearing));
  b.run(50ms);
  EXPECT_TRUE(b.user->q931->calls().empty());
  EXPECT_TRUE(b.network->q931->calls().empty());
  EXPECT_EQ(b.user->pool.state(1), BChannelState::kIdle);
  EXPECT_EQ(b.network->pool.state(1), BChannelState::kIdle);
}

// ---------------------------------------------------------------------------
// Channels: glare, busy, hunting

TEST(Q931CallControl, GlareGivesTheChannelToTheNetworkAndTheUsersPreferredCallAnother) {
  BackToBack b;
  answer_with(*b.user, {MessageType::kCallProceeding});
  answer_with(*b.network, {MessageType::kCallProceeding});
  // Both seize timeslot 1 before either SETUP arrives.
  const SetupResult mine = b.user->q931->setup(call_to("100", 1));
  const SetupResult theirs = b.network->q931->setup(call_to("200", 1));
  ASSERT_NE(mine.call, kNoCall);
  ASSERT_NE(theirs.call, kNoCall);
  b.run(20ms);
  // The network's call has timeslot 1 at both ends; the user's call goes on
  // the channel the network chose for it.
  const Heard* in = b.user->record.last(CallEventType::kIncomingSetup);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(b.user->q931->call(in->event.call)->channel, 1);
  const auto u = b.user->q931->call(mine.call);
  ASSERT_TRUE(u);
  EXPECT_NE(u->channel, 0);
  EXPECT_NE(u->channel, 1);
  EXPECT_EQ(u->state, CallState::kOutgoingCallProceeding);
  const CallId far = b.network->record.last(CallEventType::kIncomingSetup)->event.call;
  EXPECT_EQ(b.network->q931->call(far)->channel, u->channel);
  EXPECT_EQ(b.user->q931->counters().glares, 1u);
}

TEST(Q931CallControl, GlareOnAnExclusiveUserChannelRefusesTheUsersCallWithCause44) {
  BackToBack b;
  answer_with(*b.user, {MessageType::kCallProceeding});
  const SetupResult mine = b.user->q931->setup(call_to("100", 1, true));
  b.network->q931->setup(call_to("200", 1));
  b.run(20ms);
  EXPECT_FALSE(b.user->q931->call(mine.call));
  const Heard* gone = nullptr;
  for (const auto& h : b.user->record.heard)
    if (h.event.type == CallEventType::kReleased && h.event.call == mine.call) gone = &h;
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->event.cause, Cause::kRequestedCircuitNotAvailable);
  EXPECT_EQ(b.user->pool.occupant(1), b.user->record.last(CallEventType::kIncomingSetup)->event.call);
  // Both ends saw the glare: the user gave the channel up, the network
  // refused the user's SETUP for it.
  EXPECT_EQ(b.user->q931->counters().glares, 1u);
  EXPECT_EQ(b.network->q931->counters().glares, 1u);
}

TEST(Q931CallControl, AllChannelsInUseThenOneMoreIsRefusedWithCause34) {
  BackToBack b(SwitchVariant::kEuroIsdnE1, LineType::kE1, {1, 2});
  answer_with(*b.network, {MessageType::kConnect});
  EXPECT_NE(b.user->q931->setup(call_to("1")).call, kNoCall);
  EXPECT_NE(b.user->q931->setup(call_to("2")).call, kNoCall);
  b.run(10ms);
  const SetupResult third = b.user->q931->setup(call_to("3"));
  EXPECT_EQ(third.call, kNoCall);
  EXPECT_EQ(third.refused, Cause::kNoCircuitAvailable);
}

TEST(Q931CallControl, AnIncomingSetupWhenNoChannelIsFreeGetsReleaseComplete34) {
  Solo s(Side::kNetwork, SwitchVariant::kEuroIsdnE1, LineType::kE1, {1, 2});
  s.node->pool.seize(1, 900);
  s.node->pool.seize(2, 901);
  s.deliver(s.setup(7, 1, false));
  const Message* rc = s.node->record.last_sent(MessageType::kReleaseComplete);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(cause_of(rc), 34);
  EXPECT_EQ(rc->call_reference.value, 7);
  EXPECT_TRUE(rc->call_reference.flag);
  EXPECT_TRUE(s.node->record.heard.empty());
  EXPECT_EQ(s.node->q931->counters().calls_refused, 1u);
}

TEST(Q931CallControl, AnExclusiveSetupForABusyChannelGets44AndAPreferredOneAnotherChannel) {
  Solo s(Side::kNetwork, SwitchVariant::kEuroIsdnE1, LineType::kE1, {1, 2, 3});
  s.node->pool.seize(1, 900);
  s.deliver(s.setup(7, 1, true));
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kReleaseComplete)), 44);
  s.deliver(s.setup(8, 1, false));
  const Heard* in = s.node->record.last(CallEventType::kIncomingSetup);
  ASSERT_NE(in, nullptr);
  EXPECT_NE(in->event.channel, 1);
  ASSERT_TRUE(s.node->q931->proceeding(in->event.call));
  const Message* cp = s.node->record.last_sent(MessageType::kCallProceeding);
  EXPECT_EQ(channel_of(cp, s.traits(), s.line()), in->event.channel);
  auto id = q931::read_channel(*cp, s.traits(), s.line());
  EXPECT_TRUE(id->exclusive);
}

TEST(Q931CallControl, AnExclusiveSetupForAChannelNotInServiceGets82) {
  Solo s(Side::kUser, SwitchVariant::kEuroIsdnE1, LineType::kE1, {1, 2, 3});
  s.deliver(s.setup(7, 20, true));
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kReleaseComplete)), 82);
}

TEST(Q931CallControl, ASetupForAPacketModeBearerGets65) {
  Solo s(Side::kUser);
  Message m = s.from_peer(MessageType::kSetup, 7, false);
  m.add(s.channel(1));
  q931::BearerCapability b = q931::unrestricted_digital_bearer();
  b.mode = q931::TransferMode::kPacket;
  b.rate = q931::TransferRate::kPacketMode;
  m.add(q931::to_ie(b));
  s.deliver(m);
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kReleaseComplete)), 65);
  EXPECT_EQ(s.node->pool.state(1), BChannelState::kIdle);
}

TEST(Q931CallControl, TheNetworksFirstAnswerOnAnotherChannelMovesThePreferredCallThere) {
  Solo s(Side::kUser);
  const SetupResult r = s.node->q931->setup(call_to("100"));
  ASSERT_EQ(r.channel, 1);
  Message cp = s.from_peer(MessageType::kCallProceeding, s.last_setup_reference(), true);
  cp.add(s.channel(5));
  s.deliver(cp);
  EXPECT_EQ(s.node->q931->call(r.call)->channel, 5);
  EXPECT_EQ(s.node->pool.state(1), BChannelState::kIdle);
  EXPECT_EQ(s.node->pool.occupant(5), r.call);
}

// ---------------------------------------------------------------------------
// Timers (the far end silent)

TEST(Q931CallControl, T303SendsTheSetupAgainThenClearsTheCallWithCause18) {
  Solo s(Side::kUser);
  const SetupResult r = s.node->q931->setup(call_to("100"));
  s.run(3999ms);
  EXPECT_EQ(s.node->record.count_sent(MessageType::kSetup), 1u);
  s.run(1ms);
  EXPECT_EQ(s.node->record.count_sent(MessageType::kSetup), 2u);
  s.run(4s);
  EXPECT_FALSE(s.node->q931->call(r.call));
  const Heard* gone = s.node->record.last(CallEventType::kReleased);
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->event.cause, Cause::kNoUserResponding);
  EXPECT_EQ(s.node->pool.state(1), BChannelState::kIdle);
  EXPECT_EQ(s.node->record.sent.size(), 2u);  // cleared internally, as libpri does
}

TEST(Q931CallControl, T310ClearsAProceedingCallWithCause102AndTheTimerAsDiagnostic) {
  Solo s(Side::kUser);
  const SetupResult r = s.node->q931->setup(call_to("100"));
  Message cp = s.from_peer(MessageType::kCallProceeding, s.last_setup_reference(), true);
  cp.add(s.channel(1));
  s.deliver(cp);
  s.run(30s);
  const Message* disc = s.node->record.last_sent(MessageType::kDisconnect);
  ASSERT_NE(disc, nullptr);
  auto c = q931::read_cause(*disc);
  EXPECT_EQ(c->value, 102);
  EXPECT_EQ(c->diagnostics, (Bytes{'3', '1', '0'}));
  EXPECT_EQ(s.node->q931->call(r.call)->state, CallState::kDisconnectRequest);
}

TEST(Q931CallControl, T301GivesUpOnARingingCallAsNoAnswer) {
  Solo s(Side::kUser);
  const SetupResult r = s.node->q931->setup(call_to("100"));
  Message al = s.from_peer(MessageType::kAlerting, s.last_setup_reference(), true);
  al.add(s.channel(1));
  s.deliver(al);
  s.run(180s);
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kDisconnect)), 102);
  s.deliver(s.from_peer(MessageType::kRelease, s.last_setup_reference(), true));
  EXPECT_FALSE(s.node->q931->call(r.call));
  EXPECT_EQ(s.node->record.last(CallEventType::kReleased)->event.cause, Cause::kNoAnswerFromUser);
}

TEST(Q931CallControl, T305ThenT308ReleaseTwiceThenTheChannelIsRestarted) {
  Solo s(Side::kUser);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->answer(in));
  s.deliver(s.from_peer(MessageType::kConnectAcknowledge, 9, false));
  ASSERT_EQ(s.node->q931->call(in)->state, CallState::kActive);
  ASSERT_TRUE(s.node->q931->disconnect(in, Cause::kNormalCallClearing));
  s.run(30s);  // T305
  const Message* rel = s.node->record.last_sent(MessageType::kRelease);
  ASSERT_NE(rel, nullptr);
  EXPECT_EQ(cause_of(rel), 16);  // the DISCONNECT's cause again
  EXPECT_EQ(s.node->q931->call(in)->state, CallState::kReleaseRequest);
  s.run(4s);  // T308 once: RELEASE again
  EXPECT_EQ(s.node->record.count_sent(MessageType::kRelease), 2u);
  s.run(4s);  // T308 twice: the channel needs a RESTART
  EXPECT_FALSE(s.node->q931->call(in));
  EXPECT_EQ(s.node->q931->counters().release_failures, 1u);
  const Message* restart = s.node->record.last_sent(MessageType::kRestart);
  ASSERT_NE(restart, nullptr);
  EXPECT_EQ(channel_of(restart, s.traits(), s.line()), 3);
  EXPECT_EQ(s.node->pool.state(3), BChannelState::kOutOfService);
  Message ack = s.from_peer(MessageType::kRestartAcknowledge, 0, true);
  ack.add(s.channel(3));
  ack.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kIndicatedChannels}));
  s.deliver(ack);
  EXPECT_EQ(s.node->pool.state(3), BChannelState::kIdle);
}

TEST(Q931CallControl, T313ClearsAnAnswerThatIsNeverAcknowledged) {
  Solo s(Side::kUser);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->answer(in));
  EXPECT_EQ(s.node->q931->call(in)->state, CallState::kConnectRequest);
  s.run(4s);
  auto c = q931::read_cause(*s.node->record.last_sent(MessageType::kDisconnect));
  EXPECT_EQ(c->value, 102);
  EXPECT_EQ(c->diagnostics, (Bytes{'3', '1', '3'}));
}

TEST(Q931CallControl, T304ClearsAnOverlapCallThatGetsNoFurtherAnswer) {
  Solo s(Side::kUser);
  OutgoingCall c = call_to("1");
  c.setup.sending_complete = false;
  const SetupResult r = s.node->q931->setup(c);
  Message ack = s.from_peer(MessageType::kSetupAcknowledge, s.last_setup_reference(), true);
  ack.add(s.channel(1));
  s.deliver(ack);
  ASSERT_EQ(s.node->q931->call(r.call)->state, CallState::kOverlapSending);
  s.run(29s);
  s.node->q931->information(r.call, "2");  // restarts T304
  s.run(29s);
  EXPECT_EQ(s.node->record.last_sent(MessageType::kDisconnect), nullptr);
  s.run(1s);
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kDisconnect)), 102);
}

TEST(Q931CallControl, AStatusEnquiryUnansweredTwiceClearsTheCallWith41) {
  Solo s(Side::kUser);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->proceeding(in));
  ASSERT_TRUE(s.node->q931->status_enquiry(in));
  s.run(4s);
  EXPECT_EQ(s.node->record.count_sent(MessageType::kStatusEnquiry), 2u);
  s.run(4s);
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kDisconnect)), 41);
}

TEST(Q931CallControl, AStatusStopsT322) {
  Solo s(Side::kUser);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->proceeding(in));
  ASSERT_TRUE(s.node->q931->status_enquiry(in));
  Message st = s.from_peer(MessageType::kStatus, 9, false);
  st.add(s.cause(Cause::kResponseToStatusEnquiry));
  st.add(q931::to_ie(q931::CallStateIe{q931::CodingStandard::kItuT, 3}));
  s.deliver(st);
  s.run(10s);
  EXPECT_EQ(s.node->record.count_sent(MessageType::kStatusEnquiry), 1u);
  EXPECT_TRUE(s.node->q931->call(in));
}

// ---------------------------------------------------------------------------
// The data link going down (§5.8.8)

TEST(Q931CallControl, LinkLossClearsCallsNotActiveAndKeepsActiveOnesForT309) {
  BackToBack b;
  b.network->record.react = [&](const CallEvent& e) {
    if (e.type != CallEventType::kIncomingSetup) return;
    if (e.setup->called.digits == "1") {
      b.network->q931->answer(e.call);
    } else {
      b.network->q931->alerting(e.call);
    }
  };
  const SetupResult active = b.user->q931->setup(call_to("1"));
  const SetupResult ringing = b.user->q931->setup(call_to("2"));
  b.run(10ms);
  ASSERT_EQ(b.user->q931->call(active.call)->state, CallState::kActive);
  ASSERT_EQ(b.user->q931->call(ringing.call)->state, CallState::kCallDelivered);
  b.user->link->layer1_down();
  b.network->link->layer1_down();
  EXPECT_FALSE(b.user->q931->call(ringing.call));
  EXPECT_EQ(b.user->record.last(CallEventType::kReleased)->event.cause, Cause::kDestinationOutOfOrder);
  ASSERT_TRUE(b.user->q931->call(active.call));
  EXPECT_TRUE(b.user->q931->call(active.call)->link_wait);
  EXPECT_EQ(b.user->q931->setup(call_to("3")).refused, Cause::kNetworkOutOfOrder);
  // Back within T309: the call survives and each side reports its state.
  b.run(2s);
  b.user->link->layer1_up();
  b.network->link->layer1_up();
  b.run(50ms);
  ASSERT_TRUE(b.user->q931->link_up());
  ASSERT_TRUE(b.user->q931->call(active.call));
  EXPECT_FALSE(b.user->q931->call(active.call)->link_wait);
  const Message* st = b.user->record.last_sent(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 31);
  EXPECT_EQ(call_state_of(st), 10);
  b.run(10s);
  EXPECT_TRUE(b.user->q931->call(active.call));
  // Down for longer than T309: cleared with cause 27.
  b.user->link->layer1_down();
  b.run(6s);
  EXPECT_FALSE(b.user->q931->call(active.call));
  EXPECT_EQ(b.user->record.last(CallEventType::kReleased)->event.cause, Cause::kDestinationOutOfOrder);
  EXPECT_EQ(b.user->pool.count(BChannelState::kInUse), 0u);
}

// ---------------------------------------------------------------------------
// Error procedures (§5.8)

TEST(Q931CallControl, MessagesForNoCallGetReleaseComplete81) {
  Solo s(Side::kUser);
  s.deliver(s.from_peer(MessageType::kConnect, 44, true));
  const Message* rc = s.node->record.last_sent(MessageType::kReleaseComplete);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(cause_of(rc), 81);
  EXPECT_EQ(rc->call_reference.value, 44);
  EXPECT_FALSE(rc->call_reference.flag);
  s.deliver(s.from_peer(MessageType::kRelease, 45, false));
  EXPECT_EQ(s.node->record.count_sent(MessageType::kReleaseComplete), 2u);
  s.deliver(s.from_peer(MessageType::kReleaseComplete, 46, false));
  EXPECT_EQ(s.node->record.sent.size(), 2u);  // RELEASE COMPLETE for no call: ignored
  EXPECT_EQ(s.node->q931->counters().unknown_call_reference, 3u);
}

TEST(Q931CallControl, AStatusEnquiryForNoCallGetsStatusNull30AndAStatusForNoCallGets101) {
  Solo s(Side::kNetwork);
  s.deliver(s.from_peer(MessageType::kStatusEnquiry, 44, false));
  const Message* st = s.node->record.last_sent(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 30);
  EXPECT_EQ(call_state_of(st), 0);
  Message status = s.from_peer(MessageType::kStatus, 45, false);
  status.add(s.cause(Cause::kResponseToStatusEnquiry));
  status.add(q931::to_ie(q931::CallStateIe{q931::CodingStandard::kItuT, 10}));
  s.deliver(status);
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kReleaseComplete)), 101);
}

TEST(Q931CallControl, AMessageOutOfStateGetsStatus101WithTheCallState) {
  Solo s(Side::kUser);
  const SetupResult r = s.node->q931->setup(call_to("100"));
  Message cp = s.from_peer(MessageType::kCallProceeding, s.last_setup_reference(), true);
  cp.add(s.channel(1));
  s.deliver(cp);
  s.deliver(s.from_peer(MessageType::kConnectAcknowledge, s.last_setup_reference(), true));
  const Message* st = s.node->record.last_sent(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 101);
  EXPECT_EQ(call_state_of(st), 3);
  EXPECT_EQ(s.node->q931->call(r.call)->state, CallState::kOutgoingCallProceeding);
}

TEST(Q931CallControl, AFirstAnswerWithoutChannelIdentificationGetsStatus96OnTheUserSide) {
  Solo s(Side::kUser);
  const SetupResult r = s.node->q931->setup(call_to("100"));
  s.deliver(s.from_peer(MessageType::kCallProceeding, s.last_setup_reference(), true));
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kStatus)), 96);
  EXPECT_EQ(s.node->q931->call(r.call)->state, CallState::kCallInitiated);
}

TEST(Q931CallControl, ASetupWithoutBearerCapabilityGetsReleaseComplete96) {
  Solo s(Side::kUser);
  Message m = s.from_peer(MessageType::kSetup, 7, false);
  m.add(s.channel(1));
  s.deliver(m);
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kReleaseComplete)), 96);
  EXPECT_TRUE(s.node->record.heard.empty());
}

TEST(Q931CallControl, ADisconnectWithoutCauseClearsAsNormalAndTheReleaseSays96) {
  Solo s(Side::kUser);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->alerting(in));
  s.deliver(s.from_peer(MessageType::kDisconnect, 9, false));
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kRelease)), 96);
  EXPECT_EQ(s.node->record.last(CallEventType::kDisconnecting)->event.cause, Cause::kNormalUnspecified);
  s.deliver(s.from_peer(MessageType::kReleaseComplete, 9, false));
  EXPECT_FALSE(s.node->q931->call(in));
}

TEST(Q931CallControl, AStatusEnquiryOnACallGetsItsState) {
  Solo s(Side::kNetwork);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->alerting(in));
  s.deliver(s.from_peer(MessageType::kStatusEnquiry, 9, false));
  const Message* st = s.node->record.last_sent(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 30);
  EXPECT_EQ(call_state_of(st), 4);  // N4 call delivered
}

TEST(Q931CallControl, AStatusReportingTheNullStateClearsTheCall) {
  Solo s(Side::kNetwork);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->proceeding(in));
  Message st = s.from_peer(MessageType::kStatus, 9, false);
  st.add(s.cause(Cause::kTemporaryFailure));
  st.add(q931::to_ie(q931::CallStateIe{q931::CodingStandard::kItuT, 0}));
  s.deliver(st);
  EXPECT_FALSE(s.node->q931->call(in));
  EXPECT_EQ(s.node->record.last(CallEventType::kReleased)->event.cause, Cause::kTemporaryFailure);
  EXPECT_EQ(s.node->pool.state(3), BChannelState::kIdle);
}

TEST(Q931CallControl, ASecondSetupOnAReferenceInUseIsIgnored) {
  Solo s(Side::kUser);
  s.deliver(s.setup(9, 3));
  const std::size_t sent = s.node->record.sent.size();
  s.deliver(s.setup(9, 4));
  EXPECT_EQ(s.node->record.sent.size(), sent);
  EXPECT_EQ(s.node->q931->calls().size(), 1u);
}

TEST(Q931CallControl, GarbageIsCountedAndIgnored) {
  Solo s(Side::kUser);
  s.deliver(Bytes{0x08});
  s.deliver(Bytes{0x09, 0x02, 0x00, 0x01, 0x05});
  s.deliver(Bytes{0x08, 0x05, 0x00});
  EXPECT_TRUE(s.node->record.sent.empty());
  EXPECT_EQ(s.node->q931->counters().ignored, 3u);
}

TEST(Q931CallControl, AnUnrecognisedComprehensionRequiredIeInAnAlertingGetsStatus99AndIsNotActedOn) {
  Solo s(Side::kUser);
  const SetupResult r = s.node->q931->setup(call_to("100"));
  Message al = s.from_peer(MessageType::kAlerting, s.last_setup_reference(), true);
  al.add(s.channel(1));
  al.add(q931::InformationElement{0, 0x0B, {0x01}});  // 0000 xxxx: comprehension required, not known
  s.deliver(al);
  const Message* st = s.node->record.last_sent(MessageType::kStatus);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(cause_of(st), 99);
  EXPECT_EQ(s.node->q931->call(r.call)->state, CallState::kCallInitiated);  // §5.8.7.1: not acted on
}

// ---------------------------------------------------------------------------
// RESTART and SERVICE

TEST(Q931CallControl, ARestartOfAChannelClearsItsCallAndIsAcknowledged) {
  Solo s(Side::kUser);
  s.deliver(s.setup(9, 3));
  const CallId in = s.incoming_call();
  ASSERT_TRUE(s.node->q931->answer(in));
  Message rs = s.from_peer(MessageType::kRestart, 0, false);
  rs.add(s.channel(3));
  rs.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kIndicatedChannels}));
  s.deliver(rs);
  EXPECT_FALSE(s.node->q931->call(in));
  EXPECT_EQ(s.node->record.last(CallEventType::kReleased)->event.cause, Cause::kTemporaryFailure);
  const Message* ack = s.node->record.last_sent(MessageType::kRestartAcknowledge);
  ASSERT_NE(ack, nullptr);
  EXPECT_TRUE(ack->call_reference.is_global());
  EXPECT_TRUE(ack->call_reference.flag);
  EXPECT_EQ(channel_of(ack, s.traits(), s.line()), 3);
  EXPECT_EQ(s.node->pool.state(3), BChannelState::kIdle);
}

TEST(Q931CallControl, ARestartOfTheInterfaceClearsEveryCall) {
  Solo s(Side::kNetwork);
  s.deliver(s.setup(9, 3));
  s.deliver(s.setup(10, 4));
  ASSERT_EQ(s.node->q931->calls().size(), 2u);
  Message rs = s.from_peer(MessageType::kRestart, 0, false);
  rs.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kAllInterfaces}));
  s.deliver(rs);
  EXPECT_TRUE(s.node->q931->calls().empty());
  EXPECT_NE(s.node->record.last_sent(MessageType::kRestartAcknowledge), nullptr);
}

TEST(Q931CallControl, ARestartOfAChannelThatDoesNotExistGetsStatus82) {
  Solo s(Side::kUser);
  Message rs = s.from_peer(MessageType::kRestart, 0, false);
  rs.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kIndicatedChannels}));
  q931::ChannelIdentification id;
  id.selection = q931::ChannelSelection::kAny;
  rs.add(q931::to_ie(id, LineType::kE1));
  s.deliver(rs);
  EXPECT_EQ(cause_of(s.node->record.last_sent(MessageType::kStatus)), 82);
}

TEST(Q931CallControl, ARestartSentHoldsTheChannelUntilAcknowledgedAndIsRepeatedOnT316) {
  Solo s(Side::kUser);
  ASSERT_TRUE(s.node->q931->restart(2));
  EXPECT_EQ(s.node->pool.state(2), BChannelState::kRestarting);
  ASSERT_TRUE(s.node->q931->restart(std::nullopt));  // waits for the first
  EXPECT_EQ(s.node->record.count_sent(MessageType::kRestart), 1u);
  s.run(120s);
  EXPECT_EQ(s.node->record.count_sent(MessageType::kRestart), 2u);
  Message ack = s.from_peer(MessageType::kRestartAcknowledge, 0, true);
  ack.add(s.channel(2));
  ack.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kIndicatedChannels}));
  s.deliver(ack);
  EXPECT_EQ(s.node->pool.state(2), BChannelState::kRestarting);  // the interface restart is out now
  const Message* whole = s.node->record.last_sent(MessageType::kRestart);
  ASSERT_EQ(s.node->record.count_sent(MessageType::kRestart), 3u);
  EXPECT_EQ(whole->find(q931::ie::kChannelIdentification), nullptr);
  // Never acknowledged: after N316 = 2 transmissions the channels are out of service.
  s.run(240s);
  EXPECT_EQ(s.node->pool.count(BChannelState::kOutOfService), 30u);
  EXPECT_EQ(s.node->q931->counters().restart_failures, 1u);
  EXPECT_EQ(s.node->q931->setup(call_to("1")).refused, Cause::kNoCircuitAvailable);
}

TEST(Q931CallControl, Ni2ServiceTakesAChannelOutOfServiceAndIsAcknowledged) {
  Solo s(Side::kUser, SwitchVariant::kNi2, LineType::kT1);
  Message sv = q931::make_message(MessageType::kService, {2, 0, false}, s.traits());
  sv.add(q931::to_ie(q931::ChangeStatusIe{true, q931::ServiceStatus::kOutOfService}));
  sv.add(s.channel(5));
  s.deliver(sv);
  EXPECT_EQ(s.node->pool.state(5), BChannelState::kRemoteMaintenance);
  const Message* ack = s.node->record.last_sent(MessageType::kServiceAcknowledge);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->protocol_discriminator, 0x43);
  // Back in service.
  sv.ies.clear();
  sv.add(q931::to_ie(q931::ChangeStatusIe{true, q931::ServiceStatus::kInService}));
  sv.add(s.channel(5));
  s.deliver(sv);
  EXPECT_EQ(s.node->pool.state(5), BChannelState::kIdle);
}

TEST(Q931CallControl, ServiceRequestsGoOnlyWhereTheVariantHasThem) {
  Solo ni2(Side::kNetwork, SwitchVariant::kNi2, LineType::kT1);
  ASSERT_TRUE(ni2.node->q931->service(4, false));
  EXPECT_EQ(ni2.node->pool.state(4), BChannelState::kLocalMaintenance);
  EXPECT_NE(ni2.node->record.last_sent(MessageType::kService), nullptr);
  Solo euro(Side::kNetwork);
  EXPECT_FALSE(euro.node->q931->service(4, false));
  EXPECT_TRUE(euro.node->record.sent.empty());
}

TEST(Q931CallControl, NotifyCarriesOnlyDescriptionsTheVariantKnows) {
  Solo ni2(Side::kNetwork, SwitchVariant::kNi2, LineType::kT1);
  ni2.deliver(ni2.setup(9, 3));
  const CallId in = ni2.incoming_call();
  ASSERT_TRUE(ni2.node->q931->proceeding(in));
  EXPECT_TRUE(ni2.node->q931->notify(in, q931::kNotifyUserSuspended));
  EXPECT_FALSE(ni2.node->q931->notify(in, 0x05));  // a Q.932 description: EuroISDN only
  EXPECT_EQ(ni2.node->record.count_sent(MessageType::kNotify), 1u);
}

TEST(Q931CallControl, RestartsAndServiceCrossBackToBackOnAt1Span) {
  BackToBack b(SwitchVariant::kNi2, LineType::kT1);
  ASSERT_TRUE(b.network->q931->restart(7));
  ASSERT_TRUE(b.user->q931->service(9, false));
  b.run(20ms);
  EXPECT_EQ(b.network->pool.state(7), BChannelState::kIdle);
  EXPECT_EQ(b.network->q931->restarts_pending(), 0u);
  EXPECT_EQ(b.network->pool.state(9), BChannelState::kRemoteMaintenance);
  EXPECT_EQ(b.user->pool.state(9), BChannelState::kLocalMaintenance);
}

// ---------------------------------------------------------------------------
// NFAS: one D-channel for the B-channels of two T1 interfaces (identifiers
// 0 and 1), both ends back to back without Q.921 (messages cross in 1 ms).

struct NfasEnd {
  NfasEnd(core::EventLoop& loop, Side side, std::function<void(Bytes)> deliver)
      : pool0(LineType::kT1, std::vector<std::uint8_t>{1, 2}, core::ChannelHunting::kAscending),
        pool1(LineType::kT1, std::vector<std::uint8_t>{1, 2, 24}, core::ChannelHunting::kAscending),
        interfaces({{0, &pool0}, {1, &pool1}}) {
    Q931CallControl::Callbacks cb;
    cb.send = [this, side, deliver](std::span<const std::uint8_t> octets) {
      q931::DecodeOptions o;
      o.variant = &variant_traits(SwitchVariant::kNi2);
      o.line = LineType::kT1;
      o.direction = side == Side::kUser ? q931::Direction::kUserToNetwork : q931::Direction::kNetworkToUser;
      record.sent.push_back(q931::decode_message(octets, o).message);
      deliver(Bytes(octets.begin(), octets.end()));
      return true;
    };
    cb.on_event = [this](const CallEvent& e) {
      Heard h{e, e.setup ? std::optional<CallSetup>(*e.setup) : std::nullopt};
      h.event.setup = nullptr;
      record.heard.push_back(std::move(h));
      if (record.react) record.react(e);
    };
    q931 = std::make_unique<Q931CallControl>(loop, q931_config(side, SwitchVariant::kNi2, LineType::kT1), interfaces,
                                             cb);
  }
  BChannelPool pool0;
  BChannelPool pool1;
  ChannelInterfaces interfaces;
  Record record;
  std::unique_ptr<Q931CallControl> q931;
};

class NfasBackToBack {
 public:
  NfasBackToBack() : loop_(clock_) {
    user = std::make_unique<NfasEnd>(loop_, Side::kUser, [this](Bytes m) { carry(std::move(m), *network); });
    network = std::make_unique<NfasEnd>(loop_, Side::kNetwork, [this](Bytes m) { carry(std::move(m), *user); });
    for (NfasEnd* e : {user.get(), network.get()}) e->q931->dl_indication(DlIndication{DlPrimitive::kEstablishIndication});
  }
  void run(core::Clock::duration d) { loop_.advance(clock_, d); }
  // A message as if from the far end of `to`.
  void deliver(NfasEnd& to, const Message& m) {
    to.q931->dl_indication(DlIndication{DlPrimitive::kDataIndication, q931::encode_message(m)});
  }

  std::unique_ptr<NfasEnd> user;
  std::unique_ptr<NfasEnd> network;

 private:
  void carry(Bytes m, NfasEnd& to) {
    loop_.add_timer(1ms, [&to, m] { to.q931->dl_indication(DlIndication{DlPrimitive::kDataIndication, m}); });
  }
  core::ManualClock clock_;
  core::EventLoop loop_;
};

std::optional<std::uint32_t> interface_of(const Message* m) {
  if (!m) return std::nullopt;
  auto c = q931::read_channel(*m, variant_traits(SwitchVariant::kNi2), LineType::kT1);
  return c ? c->interface_id : std::nullopt;
}

// A user side's SETUP (NI-2, T1) with call reference `cr` on channel `id`.
Message nfas_setup(std::uint16_t cr, const q931::ChannelIdentification& id) {
  Message setup = q931::make_message(MessageType::kSetup, q931::CallReference{2, cr, false},
                                     variant_traits(SwitchVariant::kNi2));
  setup.add(q931::to_ie(id, LineType::kT1));
  CallSetup s;
  s.called.digits = "1234";
  q931::add_setup_ies(setup, s, variant_traits(SwitchVariant::kNi2), Side::kUser);
  return setup;
}

TEST(Q931CallControlNfas, ACallOnTheSecondInterfaceNamesItInEveryChannelIdentificationAndUsesItsChannel) {
  NfasBackToBack b;
  b.network->record.react = [&b](const CallEvent& e) {
    if (e.type == CallEventType::kIncomingSetup) {
      EXPECT_TRUE(b.network->q931->answer(e.call));
    }
  };
  OutgoingCall c = call_to("5551234", 24, true);
  c.interface = 1;
  const SetupResult r = b.user->q931->setup(c);
  ASSERT_NE(r.call, kNoCall);
  EXPECT_EQ(r.interface, 1);
  EXPECT_EQ(r.channel, 24);
  b.run(10ms);
  EXPECT_EQ(interface_of(b.user->record.last_sent(MessageType::kSetup)), 1u);
  EXPECT_EQ(interface_of(b.network->record.last_sent(MessageType::kConnect)), 1u);
  const Heard* in = b.network->record.last(CallEventType::kIncomingSetup);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->event.interface, 1);
  EXPECT_EQ(in->event.channel, 24);
  EXPECT_EQ(b.user->q931->call(r.call)->state, CallState::kActive);
  EXPECT_EQ(b.user->q931->call(r.call)->interface, 1);
  EXPECT_EQ(b.network->pool1.state(24), BChannelState::kInUse);
  EXPECT_EQ(b.user->pool1.state(24), BChannelState::kInUse);
  EXPECT_EQ(b.network->pool0.count(BChannelState::kInUse), 0u);  // not interface 0's channel 24 (none) or any other

  ASSERT_TRUE(b.user->q931->disconnect(r.call, Cause::kNormalCallClearing));
  b.run(20ms);
  EXPECT_FALSE(b.user->q931->call(r.call));
  EXPECT_EQ(b.network->pool1.state(24), BChannelState::kIdle);
  EXPECT_EQ(b.user->pool1.state(24), BChannelState::kIdle);
}

TEST(Q931CallControlNfas, HuntingFillsTheFirstInterfaceThenTakesTheNextAndAFullGroupRefuses34) {
  NfasBackToBack b;
  std::vector<std::pair<int, int>> placed;  // (interface, channel)
  for (int i = 0; i < 5; ++i) {
    const SetupResult r = b.user->q931->setup(call_to("555000" + std::to_string(i)));
    ASSERT_NE(r.call, kNoCall) << i;
    placed.emplace_back(r.interface, r.channel);
  }
  EXPECT_EQ(placed, (std::vector<std::pair<int, int>>{{0, 1}, {0, 2}, {1, 1}, {1, 2}, {1, 24}}));
  const SetupResult full = b.user->q931->setup(call_to("5559999"));
  EXPECT_EQ(full.call, kNoCall);
  EXPECT_EQ(full.refused, Cause::kNoCircuitAvailable);
  // One interface asked for: hunted there only.
  OutgoingCall on0 = call_to("5558888");
  on0.interface = 0;
  EXPECT_EQ(b.user->q931->setup(on0).refused, Cause::kNoCircuitAvailable);
  OutgoingCall nowhere = call_to("5557777");
  nowhere.interface = 5;
  EXPECT_EQ(b.user->q931->setup(nowhere).refused, Cause::kIdentifiedChannelDoesNotExist);
  b.run(10ms);
  // The network side saw each on the interface the user chose.
  std::vector<std::pair<int, int>> heard;
  for (const Heard& h : b.network->record.heard)
    if (h.event.type == CallEventType::kIncomingSetup) heard.emplace_back(h.event.interface, h.event.channel);
  EXPECT_EQ(heard, placed);
}

TEST(Q931CallControlNfas, ASetupForAnInterfaceNotInTheGroupIsRefusedWith82) {
  NfasBackToBack b;
  q931::ChannelIdentification id;
  id.interface_id = 3;
  id.channels = {1};
  b.deliver(*b.network, nfas_setup(9, id));
  EXPECT_EQ(b.network->record.last(CallEventType::kIncomingSetup), nullptr);
  const Message* refused = b.network->record.last_sent(MessageType::kReleaseComplete);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(cause_of(refused), 82);
  EXPECT_EQ(b.network->pool0.count(BChannelState::kInUse) + b.network->pool1.count(BChannelState::kInUse), 0u);
}

TEST(Q931CallControlNfas, AChannelIdentificationWithoutAnInterfaceMeansTheOneThatCarriesTheDChannelInUse) {
  NfasBackToBack b;
  ASSERT_TRUE(b.network->interfaces.set_d_channel_interface(1));  // the backup's span took over
  EXPECT_FALSE(b.network->interfaces.set_d_channel_interface(7));
  q931::ChannelIdentification id;  // no interface identifier
  id.channels = {2};
  b.deliver(*b.network, nfas_setup(11, id));
  const Heard* in = b.network->record.last(CallEventType::kIncomingSetup);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->event.interface, 1);
  EXPECT_EQ(in->event.channel, 2);
  EXPECT_EQ(b.network->pool1.state(2), BChannelState::kInUse);
  EXPECT_EQ(b.network->pool0.state(2), BChannelState::kIdle);
}

TEST(Q931CallControlNfas, RestartOfOneInterfaceNamesItClearsOnlyItsCallsAndEndsAtTheAcknowledgement) {
  NfasBackToBack b;
  const SetupResult on0 = b.user->q931->setup(call_to("5550001"));
  OutgoingCall c = call_to("5550002");
  c.interface = 1;
  const SetupResult on1 = b.user->q931->setup(c);
  ASSERT_EQ(on0.interface, 0);
  ASSERT_EQ(on1.interface, 1);
  b.run(10ms);
  ASSERT_TRUE(b.network->q931->restart_interface(1));
  EXPECT_FALSE(b.network->q931->restart_interface(4));
  EXPECT_EQ(b.network->pool1.state(1), BChannelState::kRestarting);
  const Message* restart = b.network->record.last_sent(MessageType::kRestart);
  ASSERT_NE(restart, nullptr);
  EXPECT_EQ(interface_of(restart), 1u);
  const auto* indicator = restart->find(q931::ie::kRestartIndicator);
  ASSERT_NE(indicator, nullptr);
  EXPECT_EQ(q931::decode_restart_indicator(indicator->contents)->restart_class, q931::RestartClass::kSingleInterface);
  b.run(10ms);
  // The user side cleared the call on interface 1 only, and acknowledged.
  EXPECT_FALSE(b.user->q931->call(on1.call));
  EXPECT_TRUE(b.user->q931->call(on0.call));
  EXPECT_EQ(b.user->record.count_sent(MessageType::kRestartAcknowledge), 1u);
  EXPECT_EQ(interface_of(b.user->record.last_sent(MessageType::kRestartAcknowledge)), 1u);
  EXPECT_EQ(b.network->q931->restarts_pending(), 0u);
  for (std::uint8_t ch : {1, 2, 24}) EXPECT_EQ(b.network->pool1.state(ch), BChannelState::kIdle) << int(ch);
  EXPECT_EQ(b.network->pool0.state(1), BChannelState::kInUse);  // interface 0's call untouched

  // One channel of interface 1, named with it.
  ASSERT_TRUE(b.network->q931->restart(ChannelRef{1, 24}));
  EXPECT_EQ(interface_of(b.network->record.last_sent(MessageType::kRestart)), 1u);
  b.run(10ms);
  EXPECT_EQ(b.network->q931->restarts_pending(), 0u);
  EXPECT_EQ(b.network->pool1.state(24), BChannelState::kIdle);
}

TEST(Q931CallControlNfas, ARestartOrServiceForAnInterfaceNotInTheGroupGetsStatus82AndChangesNothing) {
  NfasBackToBack b;
  for (auto klass : {q931::RestartClass::kSingleInterface, q931::RestartClass::kIndicatedChannels}) {
    Message restart = q931::make_message(MessageType::kRestart, q931::CallReference{2, 0, false},
                                         variant_traits(SwitchVariant::kNi2));
    q931::ChannelIdentification id;
    id.interface_id = 6;
    if (klass == q931::RestartClass::kSingleInterface) {
      id.selection = q931::ChannelSelection::kNoChannel;
    } else {
      id.channels = {1};
    }
    restart.add(q931::to_ie(id, LineType::kT1));
    restart.add(q931::to_ie(q931::RestartIndicatorIe{klass}));
    b.deliver(*b.network, restart);
    EXPECT_EQ(cause_of(b.network->record.last_sent(MessageType::kStatus)), 82);
  }
  Message service = q931::make_message(MessageType::kService, q931::CallReference{2, 0, false},
                                       variant_traits(SwitchVariant::kNi2));
  service.add(q931::to_ie(q931::ChangeStatusIe{true, q931::ServiceStatus::kOutOfService}));
  q931::ChannelIdentification id;
  id.interface_id = 6;
  id.channels = {1};
  service.add(q931::to_ie(id, LineType::kT1));
  const std::size_t statuses = b.network->record.count_sent(MessageType::kStatus);
  b.deliver(*b.network, service);
  EXPECT_EQ(b.network->record.count_sent(MessageType::kStatus), statuses + 1);
  EXPECT_EQ(b.network->record.count_sent(MessageType::kRestartAcknowledge), 0u);
  EXPECT_EQ(b.network->record.count_sent(MessageType::kServiceAcknowledge), 0u);
  EXPECT_EQ(b.network->pool0.count(BChannelState::kRemoteMaintenance) +
                b.network->pool1.count(BChannelState::kRemoteMaintenance),
            0u);
}

TEST(Q931CallControlNfas, AVariantWithoutTheInterfaceIdentifierCannotRunNfas) {
  core::ManualClock clock;
  core::EventLoop loop(clock);
  BChannelPool a(LineType::kE1, all_b_channels(LineType::kE1), core::ChannelHunting::kAscending);
  BChannelPool b(LineType::kE1, all_b_channels(LineType::kE1), core::ChannelHunting::kAscending);
  ChannelInterfaces group({{0, &a}, {1, &b}});
  EXPECT_THROW(Q931CallControl(loop, q931_config(Side::kUser, SwitchVariant::kQsig, LineType::kE1), group, {}),
               std::invalid_argument);
  EXPECT_NO_THROW(Q931CallControl(loop, q931_config(Side::kUser, SwitchVariant::kEuroIsdnE1, LineType::kE1), group, {}));
}

}  // namespace
}  // namespace sipnic::pri
