// Tests for host/pri/q921_link.cpp: Q.921 data links on a core::ManualClock.
// Most tests wire a user-side and a network-side link back to back (frames
// cross the wire in 1 ms, and the wire can lose chosen frames or be cut);
// the rest put one link against frames the test writes itself, for what a
// well-behaved peer never sends (FRMR, a bad N(R), malformed frames, DM).
#include "pri/q921_link.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "support/hex.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;
using core::Clock;
using test::to_hex;
using Bytes = std::vector<std::uint8_t>;

// A frame a link sent, as the wire saw it.
struct Sent {
  Clock::time_point at;
  Bytes bytes;
  FrameType type;
  bool command;
  bool poll_final;
  std::uint8_t n_s;
  std::uint8_t n_r;
  Bytes info;
};

// What layer 3 heard.
struct Heard {
  DlPrimitive primitive;
  Bytes message;
  ReleaseReason reason;
  std::optional<MdlError> after;
};

Bytes message(int i) {
  return {0x08, 0x02, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 0x7B};
}

// One link and all it said.
struct End {
  std::unique_ptr<Q921Link> link;
  std::vector<Sent> sent;
  std::vector<Heard> heard;
  std::vector<MdlErrorReport> mdl;
  // Called for each indication after it is recorded (a layer 3 that answers).
  std::function<void(const DlIndication&)> layer3;

  std::vector<Bytes> data() const {
    std::vector<Bytes> out;
    for (const auto& h : heard)
      if (h.primitive == DlPrimitive::kDataIndication) out.push_back(h.message);
    return out;
  }
  std::vector<DlPrimitive> primitives() const {
    std::vector<DlPrimitive> out;
    for (const auto& h : heard)
      if (h.primitive != DlPrimitive::kDataIndication) out.push_back(h.primitive);
    return out;
  }
  std::vector<char> mdl_codes() const {
    std::vector<char> out;
    for (const auto& m : mdl) out.push_back(mdl_error_letter(m.code));
    return out;
  }
  std::vector<const Sent*> sent_of(FrameType t) const {
    std::vector<const Sent*> out;
    for (const auto& s : sent)
      if (s.type == t) out.push_back(&s);
    return out;
  }
  std::size_t count(FrameType t, bool command, bool poll_final) const {
    return static_cast<std::size_t>(std::count_if(sent.begin(), sent.end(), [&](const Sent& s) {
      return s.type == t && s.command == command && s.poll_final == poll_final;
    }));
  }
};

Q921Config config(Side side) {
  Q921Config c;
  c.side = side;
  c.name = side == Side::kUser ? "te" : "nt";
  return c;
}

// A link's callbacks recording into `end`; `wire` gets each frame sent.
Q921Link::Callbacks record(End& end, core::EventLoop& loop, Side side,
                           std::function<void(const Bytes&)> wire) {
  Q921Link::Callbacks cb;
  cb.send_frame = [&end, &loop, side, wire](std::span<const std::uint8_t> bytes) {
    Bytes b(bytes.begin(), bytes.end());
    auto r = decode_frame(b, side);
    EXPECT_TRUE(r) << "a link sent a frame that does not decode: " << to_hex(b);
    end.sent.push_back(Sent{loop.now(), b, r.frame.type, r.frame.command, r.frame.poll_final, r.frame.n_s,
                            r.frame.n_r, Bytes(r.frame.info.begin(), r.frame.info.end())});
    if (wire) wire(b);
  };
  cb.to_layer3 = [&end](const DlIndication& ind) {
    end.heard.push_back(Heard{ind.primitive, Bytes(ind.message.begin(), ind.message.end()), ind.reason, ind.after});
    if (end.layer3) end.layer3(ind);
  };
  cb.to_management = [&end](const MdlErrorReport& r) { end.mdl.push_back(r); };
  return cb;
}

// A user-side and a network-side link back to back.
class BackToBack {
 public:
  explicit BackToBack(Q921Config user_cfg = config(Side::kUser), Q921Config network_cfg = config(Side::kNetwork))
      : loop_(clock_) {
    user.link = std::make_unique<Q921Link>(loop_, user_cfg, record(user, loop_, Side::kUser, [this](const Bytes& b) {
                                             carry(b, Side::kUser);
                                           }));
    network.link = std::make_unique<Q921Link>(
        loop_, network_cfg, record(network, loop_, Side::kNetwork, [this](const Bytes& b) { carry(b, Side::kNetwork); }));
  }

  void run(Clock::duration d) { loop_.advance(clock_, d); }
  Clock::time_point now() const { return clock_.now(); }

  void establish() {
    user.link->establish_request();
    network.link->establish_request();
    run(10ms);
    ASSERT_EQ(user.link->state(), LinkState::kMultipleFrameEstablished);
    ASSERT_EQ(network.link->state(), LinkState::kMultipleFrameEstablished);
  }

  End user;
  End network;
  // Frames for which this says true are lost on the wire.
  std::function<bool(Side from, const Sent& frame)> lose;
  bool cut = false;  // nothing crosses

 private:
  void carry(const Bytes& b, Side from) {
    End& sender = from == Side::kUser ? user : network;
    if (cut || (lose && lose(from, sender.sent.back()))) return;
    Q921Link* to = from == Side::kUser ? network.link.get() : user.link.get();
    loop_.add_timer(1ms, [to, b] { to->receive(b); });
  }

  core::ManualClock clock_;
  core::EventLoop loop_;
};

// One link; the test is its peer and writes the peer's frames itself.
class Solo {
 public:
  explicit Solo(Q921Config cfg = config(Side::kUser), core::Log* log = nullptr) : loop_(clock_) {
    side_ = cfg.side;
    end.link = std::make_unique<Q921Link>(loop_, cfg, record(end, loop_, cfg.side, nullptr), log);
  }
  void run(Clock::duration d) { loop_.advance(clock_, d); }
  Clock::time_point now() const { return clock_.now(); }
  Q921Link& link() { return *end.link; }

  void peer(Frame f) { end.link->receive(encode_frame(f, other_side(side_))); }
  void peer_bytes(const Bytes& b) { end.link->receive(b); }

  // Up with the link's SABME answered by a UA.
  void establish() {
    end.link->establish_request();
    ASSERT_EQ(end.sent.back().type, FrameType::kSABME);
    peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
    ASSERT_EQ(end.link->state(), LinkState::kMultipleFrameEstablished);
  }

  End end;

 private:
  Side side_;
  core::ManualClock clock_;
  core::EventLoop loop_;
};

// ---------------------------------------------------------------------------
// Establishment

TEST(Q921Link, TheUserSideEstablishesWithSabmeAndTheNetworkAnswersUa) {
  BackToBack b;
  b.user.link->establish_request();
  EXPECT_EQ(b.user.link->state(), LinkState::kAwaitingEstablishment);
  b.run(10ms);
  ASSERT_EQ(b.user.sent.size(), 1u);
  EXPECT_EQ(to_hex(b.user.sent[0].bytes), "00 01 7f");     // SABME P=1, a user command (C/R=0)
  ASSERT_EQ(b.network.sent.size(), 1u);
  EXPECT_EQ(to_hex(b.network.sent[0].bytes), "00 01 73");  // UA F=1, a network response (C/R=0)
  EXPECT_EQ(b.user.link->state(), LinkState::kMultipleFrameEstablished);
  EXPECT_EQ(b.network.link->state(), LinkState::kMultipleFrameEstablished);
  EXPECT_EQ(b.user.primitives(), std::vector{DlPrimitive::kEstablishConfirm});
  EXPECT_EQ(b.network.primitives(), std::vector{DlPrimitive::kEstablishIndication});
  EXPECT_EQ(b.user.link->v_s(), 0);
  EXPECT_EQ(b.user.link->v_r(), 0);
  EXPECT_EQ(b.user.link->v_a(), 0);
  EXPECT_TRUE(b.user.mdl.empty());
  EXPECT_TRUE(b.network.mdl.empty());
  EXPECT_EQ(b.user.link->counters().establishments, 1u);
}

TEST(Q921Link, TheNetworkSideEstablishesWithSabmeAndTheUserAnswersUa) {
  BackToBack b;
  b.network.link->establish_request();
  b.run(10ms);
  ASSERT_EQ(b.network.sent.size(), 1u);
  EXPECT_EQ(to_hex(b.network.sent[0].bytes), "02 01 7f");  // a network command: C/R=1
  ASSERT_EQ(b.user.sent.size(), 1u);
  EXPECT_EQ(to_hex(b.user.sent[0].bytes), "02 01 73");     // a user response: C/R=1
  EXPECT_EQ(b.network.primitives(), std::vector{DlPrimitive::kEstablishConfirm});
  EXPECT_EQ(b.user.primitives(), std::vector{DlPrimitive::kEstablishIndication});
  EXPECT_TRUE(b.user.link->established());
  EXPECT_TRUE(b.network.link->established());
}

TEST(Q921Link, CrossingSabmesAreEachAnsweredAndBothSidesConfirm) {
  BackToBack b;
  b.user.link->establish_request();
  b.network.link->establish_request();
  b.run(10ms);
  for (End* e : {&b.user, &b.network}) {
    EXPECT_EQ(e->sent_of(FrameType::kSABME).size(), 1u);
    EXPECT_EQ(e->sent_of(FrameType::kUA).size(), 1u);
    EXPECT_EQ(e->primitives(), std::vector{DlPrimitive::kEstablishConfirm});
    EXPECT_TRUE(e->mdl.empty());
    EXPECT_EQ(e->link->state(), LinkState::kMultipleFrameEstablished);
  }
}

TEST(Q921Link, AnUnansweredSabmeIsSentAgainEveryT200) {
  Solo s;
  s.link().establish_request();
  s.run(3500ms);
  auto sabmes = s.end.sent_of(FrameType::kSABME);
  ASSERT_EQ(sabmes.size(), 4u);  // the first and N200 = 3 more
  for (std::size_t i = 1; i < sabmes.size(); ++i) EXPECT_EQ(sabmes[i]->at - sabmes[i - 1]->at, 1000ms);
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
}

// ---------------------------------------------------------------------------
// Data transfer

TEST(Q921Link, DataFlowsBothWaysInOrderPastTheSequenceWrap) {
  BackToBack b;
  b.establish();
  constexpr int kMessages = 300;  // V(S) wraps at 128 twice
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(b.user.link->data_request(message(i))) << i;
    ASSERT_TRUE(b.network.link->data_request(message(1000 + i))) << i;
    if (i % 20 == 19) b.run(5ms);  // bursts larger than the window
  }
  b.run(100ms);
  auto at_network = b.network.data();
  auto at_user = b.user.data();
  ASSERT_EQ(at_network.size(), std::size_t{kMessages});
  ASSERT_EQ(at_user.size(), std::size_t{kMessages});
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(at_network[i], message(i));
    EXPECT_EQ(at_user[i], message(1000 + i));
  }
  // N(S) counted 0..127, 0..127, 0..43: each I frame went once.
  auto is = b.user.sent_of(FrameType::kI);
  ASSERT_EQ(is.size(), std::size_t{kMessages});
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(is[i]->n_s, i % 128);
  EXPECT_EQ(b.user.link->v_s(), kMessages % 128);
  EXPECT_EQ(b.user.link->v_a(), kMessages % 128);
  EXPECT_EQ(b.user.link->v_r(), kMessages % 128);
  EXPECT_EQ(b.user.link->queued(), 0u);
  EXPECT_EQ(b.user.link->counters().retransmissions, 0u);
  EXPECT_TRUE(b.user.mdl.empty());
  EXPECT_TRUE(b.network.mdl.empty());
  EXPECT_EQ(b.user.link->state(), LinkState::kMultipleFrameEstablished);
}

TEST(Q921Link, NoMoreThanKFramesAreOutstanding) {
  for (std::uint8_t k : {std::uint8_t{1}, std::uint8_t{3}, std::uint8_t{7}}) {
    auto cfg = config(Side::kUser);
    cfg.k = k;
    BackToBack b(cfg);
    b.establish();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(b.user.link->data_request(message(i)));
    // Sent at once, before any acknowledgement could come back: k of them.
    EXPECT_EQ(b.user.sent_of(FrameType::kI).size(), k) << "k " << int(k);
    EXPECT_EQ(b.user.link->queued(), 20u);
    b.run(200ms);
    EXPECT_EQ(b.network.data().size(), 20u) << "k " << int(k);
    // Every I frame left with at most k - 1 others unacknowledged: N(S) - V(A)
    // at sending time, V(A) the last N(R) of the network's that had arrived
    // (1 ms on the wire).
    for (const auto* s : b.user.sent_of(FrameType::kI)) {
      std::uint8_t acked = 0;
      for (const auto& n : b.network.sent)
        if (n.at + 1ms <= s->at && n.type == FrameType::kRR) acked = n.n_r;
      EXPECT_LT((s->n_s - acked) & 0x7F, k) << "N(S) " << int(s->n_s) << " k " << int(k);
    }
  }
}

TEST(Q921Link, AnIFrameIsAcknowledgedWithRrWhenLayer3HasNothingToSend) {
  BackToBack b;
  b.establish();
  b.user.link->data_request(message(1));
  b.run(10ms);
  auto rrs = b.network.sent_of(FrameType::kRR);
  ASSERT_EQ(rrs.size(), 1u);
  EXPECT_FALSE(rrs[0]->command);
  EXPECT_FALSE(rrs[0]->poll_final);
  EXPECT_EQ(rrs[0]->n_r, 1);
  EXPECT_EQ(to_hex(rrs[0]->bytes), "00 01 01 02");
}

TEST(Q921Link, Layer3MayAnswerFromInsideItsIndicationAndTheAnswerCarriesTheAcknowledgement) {
  BackToBack b;
  b.establish();
  Q921Link& network = *b.network.link;
  b.network.layer3 = [&network](const DlIndication& ind) {
    if (ind.primitive == DlPrimitive::kDataIndication) {
      EXPECT_TRUE(network.data_request(ind.message));
    }
  };
  b.user.link->data_request(message(7));
  b.run(10ms);
  EXPECT_EQ(b.user.data(), std::vector<Bytes>{message(7)});
  auto is = b.network.sent_of(FrameType::kI);
  ASSERT_EQ(is.size(), 1u);
  EXPECT_EQ(is[0]->n_r, 1);  // acknowledges the user's I frame: no RR needed
  EXPECT_TRUE(b.network.sent_of(FrameType::kRR).empty());
}

// The callbacks call the other link at once: each link is re-entered from
// inside its own outputs' delivery.
TEST(Q921Link, AWireThatDeliversFromInsideTheCallbackWorks) {
  core::ManualClock clock;
  core::EventLoop loop(clock);
  End user;
  End network;
  user.link = std::make_unique<Q921Link>(loop, config(Side::kUser), record(user, loop, Side::kUser, [&](const Bytes& b) {
                                           network.link->receive(b);
                                         }));
  network.link = std::make_unique<Q921Link>(
      loop, config(Side::kNetwork), record(network, loop, Side::kNetwork, [&](const Bytes& b) { user.link->receive(b); }));
  user.link->establish_request();
  ASSERT_TRUE(user.link->established());
  ASSERT_TRUE(network.link->established());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(user.link->data_request(message(i)));
    ASSERT_TRUE(network.link->data_request(message(1000 + i)));
  }
  ASSERT_EQ(network.data().size(), 200u);
  ASSERT_EQ(user.data().size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(network.data()[i], message(i));
    EXPECT_EQ(user.data()[i], message(1000 + i));
  }
  EXPECT_EQ(user.link->queued(), 0u);
  EXPECT_EQ(network.link->queued(), 0u);
  EXPECT_TRUE(user.mdl.empty());
  EXPECT_TRUE(network.mdl.empty());
}

TEST(Q921Link, DataRequestsAreRefusedWhileTheLinkIsDownOrTooLongOrTheQueueIsFull) {
  auto cfg = config(Side::kUser);
  cfg.max_queued = 10;
  BackToBack b(cfg);
  EXPECT_FALSE(b.user.link->data_request(message(1)));  // state 4
  b.user.link->establish_request();
  EXPECT_FALSE(b.user.link->data_request(message(2)));  // establishing for layer 3
  b.run(10ms);
  EXPECT_FALSE(b.user.link->data_request(Bytes(261, 0x55)));  // N201 = 260
  EXPECT_TRUE(b.user.link->data_request(Bytes(260, 0x55)));
  b.network.link->set_own_receiver_busy(true);
  b.run(10ms);
  for (int i = 0; i < 9; ++i) EXPECT_TRUE(b.user.link->data_request(message(i)));
  EXPECT_FALSE(b.user.link->data_request(message(9)));  // 10 queued
  EXPECT_EQ(b.user.link->counters().data_requests_refused, 4u);
}

TEST(Q921Link, TheMessagesALinkDiscardsUnacknowledgedAreHandedOverOnceInOrder) {
  BackToBack b;
  b.user.link->establish_request();
  b.run(10ms);
  b.network.link->set_own_receiver_busy(true);  // nothing gets acknowledged
  b.run(10ms);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.user.link->data_request(message(i)));
  b.user.link->layer1_down();
  const auto discarded = b.user.link->take_discarded();
  ASSERT_EQ(discarded.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Bytes(discarded[i].begin(), discarded[i].end()), message(i));
  EXPECT_TRUE(b.user.link->take_discarded().empty()) << "handed over once";
}

// ---------------------------------------------------------------------------
// Recovery

TEST(Q921Link, ALostIFrameIsRecoveredByRej) {
  BackToBack b;
  b.establish();
  bool lost = false;
  b.lose = [&lost](Side from, const Sent& s) {
    if (from == Side::kUser && s.type == FrameType::kI && s.n_s == 2 && !lost) return lost = true;
    return false;
  };
  for (int i = 0; i < 5; ++i) b.user.link->data_request(message(i));
  b.run(50ms);
  auto got = b.network.data();
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i], message(i));
  auto rejs = b.network.sent_of(FrameType::kREJ);
  ASSERT_EQ(rejs.size(), 1u);  // one REJ for the gap, not one per frame after it
  EXPECT_EQ(rejs[0]->n_r, 2);
  EXPECT_FALSE(rejs[0]->command);
  // 2, 3 and 4 went again.
  auto is = b.user.sent_of(FrameType::kI);
  ASSERT_EQ(is.size(), 8u);
  EXPECT_EQ(is[5]->n_s, 2);
  EXPECT_EQ(is[6]->n_s, 3);
  EXPECT_EQ(is[7]->n_s, 4);
  EXPECT_EQ(b.user.link->counters().retransmissions, 3u);
  EXPECT_EQ(b.user.link->counters().t200_expiries, 0u);
  EXPECT_TRUE(b.user.mdl.empty());
  EXPECT_TRUE(b.network.mdl.empty());
  EXPECT_EQ(b.user.link->queued(), 0u);
}

TEST(Q921Link, ALostRrLeadsToT200TimerRecoveryAndAnEnquiry) {
  BackToBack b;
  b.establish();
  bool lost = false;
  b.lose = [&lost](Side from, const Sent& s) {
    if (from == Side::kNetwork && s.type == FrameType::kRR && !lost) return lost = true;
    return false;
  };
  const auto sent_at = b.now();
  b.user.link->data_request(message(1));
  b.run(999ms);
  EXPECT_EQ(b.user.link->state(), LinkState::kMultipleFrameEstablished);
  EXPECT_EQ(b.user.link->queued(), 1u);  // not acknowledged
  b.run(1ms);                            // T200
  EXPECT_EQ(b.user.link->state(), LinkState::kTimerRecovery);
  auto enquiries = b.user.sent_of(FrameType::kRR);
  ASSERT_EQ(enquiries.size(), 1u);
  EXPECT_TRUE(enquiries[0]->command);
  EXPECT_TRUE(enquiries[0]->poll_final);
  EXPECT_EQ(enquiries[0]->at - sent_at, 1000ms);
  b.run(10ms);
  // The network answered RR F=1 N(R)=1: recovered, nothing to send again.
  EXPECT_EQ(b.network.count(FrameType::kRR, false, true), 1u);
  EXPECT_EQ(b.user.link->state(), LinkState::kMultipleFrameEstablished);
  EXPECT_EQ(b.user.link->queued(), 0u);
  EXPECT_EQ(b.user.sent_of(FrameType::kI).size(), 1u);
  EXPECT_EQ(b.network.data(), std::vector<Bytes>{message(1)});
  EXPECT_EQ(b.user.link->counters().t200_expiries, 1u);
  EXPECT_TRUE(b.user.mdl.empty());
}

TEST(Q921Link, ALostIFrameWithNothingAfterItIsSentAgainAfterTheEnquiry) {
  BackToBack b;
  b.establish();
  bool lost = false;
  b.lose = [&lost](Side from, const Sent& s) {
    if (from == Side::kUser && s.type == FrameType::kI && !lost) return lost = true;
    return false;
  };
  b.user.link->data_request(message(1));
  b.run(1100ms);
  // T200, RR P=1, the network's RR F=1 N(R)=0: the I frame goes again.
  EXPECT_EQ(b.user.sent_of(FrameType::kI).size(), 2u);
  EXPECT_EQ(b.network.data(), std::vector<Bytes>{message(1)});
  EXPECT_EQ(b.user.link->counters().retransmissions, 1u);
  EXPECT_EQ(b.user.link->state(), LinkState::kMultipleFrameEstablished);
}

TEST(Q921Link, APeerBusyWithRnrGetsNoIFramesUntilItClearsWithRr) {
  BackToBack b;
  b.establish();
  b.network.link->set_own_receiver_busy(true);
  b.run(10ms);
  auto rnrs = b.network.sent_of(FrameType::kRNR);
  ASSERT_EQ(rnrs.size(), 1u);
  EXPECT_FALSE(rnrs[0]->command);
  EXPECT_TRUE(b.user.link->peer_receiver_busy());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.user.link->data_request(message(i)));
  b.run(5s);
  // While busy the user polls it every T200 (RR P=1), and the network answers
  // RNR F=1: the link stays up, nothing is sent or delivered.
  EXPECT_TRUE(b.user.sent_of(FrameType::kI).empty());
  EXPECT_TRUE(b.network.data().empty());
  EXPECT_GE(b.user.count(FrameType::kRR, true, true), 4u);
  EXPECT_GE(b.network.count(FrameType::kRNR, false, true), 4u);
  EXPECT_TRUE(b.user.link->established());
  EXPECT_EQ(b.user.link->counters().reestablishments, 0u);
  EXPECT_TRUE(b.user.mdl.empty());

  b.network.link->set_own_receiver_busy(false);
  b.run(10ms);
  EXPECT_FALSE(b.user.link->peer_receiver_busy());
  auto got = b.network.data();
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[i], message(i));
}

TEST(Q921Link, AnOwnBusyReceiverDiscardsIFramesAndTheyComeAgainAfterwards) {
  BackToBack b;
  b.establish();
  b.user.link->set_own_receiver_busy(true);
  // Sent before the RNR reaches the network: discarded by the busy user.
  b.network.link->data_request(message(5));
  b.run(10ms);
  EXPECT_TRUE(b.user.data().empty());
  b.user.link->set_own_receiver_busy(false);
  b.run(3s);
  EXPECT_EQ(b.user.data(), std::vector<Bytes>{message(5)});
  EXPECT_TRUE(b.user.link->established());
  EXPECT_TRUE(b.network.link->established());
}

TEST(Q921Link, AnIdleLinkIsCheckedByAnEnquiryEveryT203) {
  auto network_cfg = config(Side::kNetwork);
  network_cfg.t203 = 60s;  // only the user enquires
  BackToBack b(config(Side::kUser), network_cfg);
  b.establish();
  b.run(9900ms);
  EXPECT_TRUE(b.user.sent_of(FrameType::kRR).empty());
  b.run(200ms);
  ASSERT_EQ(b.user.sent_of(FrameType::kRR).size(), 1u);
  EXPECT_EQ(to_hex(b.user.sent_of(FrameType::kRR)[0]->bytes), "00 01 01 01");     // RR command P=1 N(R)=0
  EXPECT_EQ(to_hex(b.network.sent_of(FrameType::kRR)[0]->bytes), "00 01 01 01");  // RR response F=1 N(R)=0
  EXPECT_EQ(b.user.link->state(), LinkState::kMultipleFrameEstablished);
  b.run(25s);
  EXPECT_EQ(b.user.count(FrameType::kRR, true, true), 3u);  // at 10, 20 and 30 s
  EXPECT_EQ(b.user.link->counters().t203_expiries, 3u);
  EXPECT_TRUE(b.user.mdl.empty());
  EXPECT_TRUE(b.network.mdl.empty());
  EXPECT_EQ(b.user.link->counters().reestablishments, 0u);
}

TEST(Q921Link, N200UnansweredEnquiriesReleaseTheLinkAndItIsEstablishedAgainLater) {
  BackToBack b;
  b.establish();
  b.cut = true;  // the peer is gone
  b.run(10s);    // T203
  ASSERT_EQ(b.user.link->state(), LinkState::kTimerRecovery);
  b.run(4s);  // the enquiry and N200 more unanswered: MDL-ERROR I, re-establishment
  EXPECT_EQ(b.user.link->state(), LinkState::kAwaitingEstablishment);
  EXPECT_EQ(b.user.count(FrameType::kRR, true, true), 4u);  // the T203 enquiry and N200 more
  EXPECT_EQ(b.user.link->counters().reestablishments, 1u);
  // Layer 3 has not lost the link yet: re-establishment is still trying.
  EXPECT_EQ(b.user.primitives(), std::vector{DlPrimitive::kEstablishConfirm});
  b.run(4s);  // N200 more SABMEs: MDL-ERROR G, the link is down
  EXPECT_EQ(b.user.link->state(), LinkState::kTeiAssigned);
  EXPECT_EQ(b.user.mdl_codes(), (std::vector{'I', 'G'}));
  ASSERT_EQ(b.user.heard.back().primitive, DlPrimitive::kReleaseIndication);
  EXPECT_EQ(b.user.heard.back().reason, ReleaseReason::kNoResponse);
  EXPECT_EQ(b.user.heard.back().after, MdlError::kEnquiryUnanswered);
  EXPECT_EQ(b.user.link->counters().releases, 1u);

  // Then it tries again after 1, 2, 4, 8 s... between rounds of N200 + 1
  // SABMEs, and layer 3 hears nothing of the rounds that fail.
  const std::size_t heard = b.user.heard.size();
  b.run(60s);
  auto sabmes = b.user.sent_of(FrameType::kSABME);
  std::vector<Clock::duration> gaps;
  for (std::size_t i = 2; i < sabmes.size(); ++i) {  // [0] established the link at first
    auto gap = sabmes[i]->at - sabmes[i - 1]->at;
    if (gap != Clock::duration(1000ms)) gaps.push_back(gap - Clock::duration(1000ms));  // minus the last T200
  }
  ASSERT_EQ(gaps.size(), 5u);
  EXPECT_EQ(gaps[0], Clock::duration(1s));
  EXPECT_EQ(gaps[1], Clock::duration(2s));
  EXPECT_EQ(gaps[2], Clock::duration(4s));
  EXPECT_EQ(gaps[3], Clock::duration(8s));
  EXPECT_EQ(gaps[4], Clock::duration(16s));  // reestablish_delay_max
  EXPECT_EQ(b.user.heard.size(), heard);

  b.cut = false;  // the peer is back
  b.run(40s);
  EXPECT_TRUE(b.user.link->established());
  EXPECT_TRUE(b.network.link->established());
  EXPECT_EQ(b.user.heard.back().primitive, DlPrimitive::kEstablishIndication);
  EXPECT_EQ(b.network.heard.back().primitive, DlPrimitive::kEstablishIndication);
}

// ---------------------------------------------------------------------------
// Release

TEST(Q921Link, ADiscFromThePeerIsReportedAndThePersistentSideEstablishesAgainAfterTheDelay) {
  BackToBack b;
  b.user.link->establish_request();  // only the user keeps the link up
  b.run(10ms);
  b.network.link->release_request();
  b.run(10ms);
  EXPECT_EQ(to_hex(b.network.sent.back().bytes), "02 01 53");  // DISC P=1
  EXPECT_EQ(to_hex(b.user.sent.back().bytes), "02 01 73");     // UA F=1
  ASSERT_EQ(b.user.heard.back().primitive, DlPrimitive::kReleaseIndication);
  EXPECT_EQ(b.user.heard.back().reason, ReleaseReason::kPeerDisconnected);
  EXPECT_FALSE(b.user.heard.back().after);
  EXPECT_EQ(b.network.heard.back().primitive, DlPrimitive::kReleaseConfirm);
  EXPECT_EQ(b.user.link->state(), LinkState::kTeiAssigned);
  EXPECT_EQ(b.network.link->state(), LinkState::kTeiAssigned);
  const auto sabmes = b.user.sent_of(FrameType::kSABME).size();
  b.run(980ms);
  EXPECT_EQ(b.user.sent_of(FrameType::kSABME).size(), sabmes);  // not at once
  b.run(30ms);
  EXPECT_EQ(b.user.sent_of(FrameType::kSABME).size(), sabmes + 1);
  EXPECT_TRUE(b.user.link->established());
  EXPECT_EQ(b.user.heard.back().primitive, DlPrimitive::kEstablishIndication);
  EXPECT_TRUE(b.network.link->established());  // a SABME in state 4 is accepted
}

TEST(Q921Link, ReleaseRequestedByLayer3IsConfirmedAndEndsPersistence) {
  BackToBack b;
  b.user.link->establish_request();
  b.run(10ms);
  b.user.link->data_request(message(1));
  b.user.link->release_request();
  b.run(10ms);
  EXPECT_EQ(b.user.heard.back().primitive, DlPrimitive::kReleaseConfirm);
  EXPECT_EQ(b.network.heard.back().primitive, DlPrimitive::kReleaseIndication);
  EXPECT_EQ(b.network.heard.back().reason, ReleaseReason::kPeerDisconnected);
  b.run(60s);
  EXPECT_EQ(b.user.link->state(), LinkState::kTeiAssigned);
  EXPECT_EQ(b.network.link->state(), LinkState::kTeiAssigned);
  EXPECT_EQ(b.user.sent_of(FrameType::kSABME).size(), 1u);
}

TEST(Q921Link, CrossingDiscsAreEachAnsweredAndBothSidesConfirm) {
  BackToBack b;
  b.establish();
  b.user.link->release_request();
  b.network.link->release_request();
  b.run(10ms);
  for (End* e : {&b.user, &b.network}) {
    EXPECT_EQ(e->heard.back().primitive, DlPrimitive::kReleaseConfirm);
    EXPECT_EQ(e->link->state(), LinkState::kTeiAssigned);
    EXPECT_EQ(e->sent_of(FrameType::kUA).size() + e->sent_of(FrameType::kDM).size(), 2u);  // one for the SABME
    EXPECT_TRUE(e->mdl.empty());
  }
}

TEST(Q921Link, AnUnansweredDiscIsConfirmedAfterN200Retransmissions) {
  Solo s;
  s.establish();
  s.link().release_request();
  s.run(4500ms);
  EXPECT_EQ(s.end.sent_of(FrameType::kDISC).size(), 4u);
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'H'});
  EXPECT_EQ(s.end.heard.back().primitive, DlPrimitive::kReleaseConfirm);
  EXPECT_EQ(s.link().state(), LinkState::kTeiAssigned);
}

TEST(Q921Link, EstablishRequestedWhileReleasingFollowsTheRelease) {
  Solo s;
  s.establish();
  s.link().release_request();
  s.link().establish_request();
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingRelease);
  s.peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
  EXPECT_EQ(s.end.sent.back().type, FrameType::kSABME);
  s.peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
  EXPECT_EQ(s.end.primitives(), (std::vector{DlPrimitive::kEstablishConfirm, DlPrimitive::kReleaseConfirm,
                                             DlPrimitive::kEstablishConfirm}));
}

TEST(Q921Link, EstablishRequestedOnAnEstablishedLinkResetsItAndConfirms) {
  BackToBack b;
  b.establish();
  b.network.link->set_own_receiver_busy(true);
  b.run(10ms);
  b.user.link->data_request(message(1));  // held: the network is busy
  b.user.link->establish_request();
  EXPECT_EQ(b.user.link->queued(), 0u);
  b.run(10ms);
  EXPECT_TRUE(b.user.link->established());
  EXPECT_EQ(b.user.heard.back().primitive, DlPrimitive::kEstablishConfirm);
  EXPECT_EQ(b.user.link->counters().i_frames_discarded, 1u);
  EXPECT_EQ(b.network.mdl_codes(), std::vector{'F'});  // the peer sees its link reset
}

// ---------------------------------------------------------------------------
// Errors the peer causes

TEST(Q921Link, AnFrmrReEstablishesTheLink) {
  Solo s;
  s.establish();
  s.peer(Frame{.type = FrameType::kFRMR, .command = false, .frmr = {.rejected_control = {0x0D, 0x00}, .w = true}});
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'K'});
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
  EXPECT_EQ(s.end.sent.back().type, FrameType::kSABME);
  s.peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
  EXPECT_TRUE(s.link().established());
  // The link came back with nothing lost: layer 3 heard nothing of it.
  EXPECT_EQ(s.end.primitives(), std::vector{DlPrimitive::kEstablishConfirm});
  EXPECT_EQ(s.link().counters().reestablishments, 1u);
  EXPECT_EQ(s.link().counters().in(FrameType::kFRMR), 1u);
}

TEST(Q921Link, AnNrOutsideVaToVsIsAnMdlErrorAndReEstablishesTheLink) {
  Solo s;
  s.establish();
  s.link().data_request(message(1));  // V(S) = 1, V(A) = 0: N(R) may be 0 or 1
  s.peer(Frame{.type = FrameType::kRR, .command = false, .n_r = 2});
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'J'});
  ASSERT_EQ(s.end.mdl.size(), 1u);
  EXPECT_EQ(s.end.mdl[0].state, LinkState::kMultipleFrameEstablished);
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
  EXPECT_EQ(s.end.sent.back().type, FrameType::kSABME);
  // Re-established with an I frame outstanding: it is lost, and layer 3 is told.
  s.peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
  EXPECT_EQ(s.end.heard.back().primitive, DlPrimitive::kEstablishIndication);
  EXPECT_EQ(s.link().counters().i_frames_discarded, 1u);
}

TEST(Q921Link, AnNrErrorInAnIFrameDeliversTheDataThenReEstablishes) {
  Solo s;
  s.establish();
  Bytes m = message(3);
  s.peer(Frame{.type = FrameType::kI, .command = true, .n_s = 0, .n_r = 5, .info = m});
  EXPECT_EQ(s.end.data(), std::vector<Bytes>{m});
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'J'});
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
}

TEST(Q921Link, ASabmeOnAnEstablishedLinkIsAnsweredAndReportedAsF) {
  Solo s;
  s.establish();
  s.peer(Frame{.type = FrameType::kSABME, .command = true, .poll_final = true});
  EXPECT_EQ(s.end.sent.back().type, FrameType::kUA);
  EXPECT_TRUE(s.end.sent.back().poll_final);
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'F'});
  EXPECT_TRUE(s.link().established());
}

TEST(Q921Link, UnsolicitedResponsesAreReportedWithTheirCodes) {
  Solo s;
  s.establish();
  s.peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
  s.peer(Frame{.type = FrameType::kUA, .command = false});
  s.peer(Frame{.type = FrameType::kRR, .command = false, .poll_final = true});
  s.peer(Frame{.type = FrameType::kDM, .command = false, .poll_final = true});
  EXPECT_EQ(s.end.mdl_codes(), (std::vector{'C', 'D', 'A', 'B'}));
  EXPECT_TRUE(s.link().established());
  s.peer(Frame{.type = FrameType::kDM, .command = false});  // E: the peer is disconnected
  EXPECT_EQ(s.end.mdl_codes().back(), 'E');
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
}

TEST(Q921Link, ADmF1InTimerRecoveryIsBAndReEstablishes) {
  Solo s;
  s.establish();
  s.run(10s);  // T203: an enquiry, state 8
  ASSERT_EQ(s.link().state(), LinkState::kTimerRecovery);
  s.peer(Frame{.type = FrameType::kDM, .command = false, .poll_final = true});
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'B'});
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
  EXPECT_EQ(s.end.sent.back().type, FrameType::kSABME);
}

TEST(Q921Link, ADmToSabmeReleasesOnceAndTheLinkBacksOffBetweenAttempts) {
  auto cfg = config(Side::kUser);
  cfg.reestablish_delay_max = 8s;
  Solo s(cfg);
  s.link().establish_request();
  s.peer(Frame{.type = FrameType::kDM, .command = false, .poll_final = true});
  EXPECT_EQ(s.link().state(), LinkState::kTeiAssigned);
  ASSERT_EQ(s.end.heard.size(), 1u);
  EXPECT_EQ(s.end.heard[0].primitive, DlPrimitive::kReleaseIndication);
  EXPECT_EQ(s.end.heard[0].reason, ReleaseReason::kPeerRefused);
  // The peer refuses every attempt at once.
  std::vector<Clock::time_point> attempts{s.now()};
  for (int i = 0; i < 6; ++i) {
    const auto before = s.end.sent_of(FrameType::kSABME).size();
    while (s.end.sent_of(FrameType::kSABME).size() == before) s.run(100ms);
    attempts.push_back(s.end.sent.back().at);
    s.peer(Frame{.type = FrameType::kDM, .command = false, .poll_final = true});
  }
  const std::vector<Clock::duration> want{1s, 2s, 4s, 8s, 8s, 8s};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(attempts[i + 1] - attempts[i], want[i]) << i;
  EXPECT_EQ(s.end.heard.size(), 1u);  // layer 3 already knows the link is down
  EXPECT_EQ(s.link().counters().establish_failures, 7u);
}

TEST(Q921Link, ADmF0InStateFourIsTheLinkBeingAskedFor) {
  Solo s;
  s.establish();
  s.peer(Frame{.type = FrameType::kDISC, .command = true, .poll_final = true});
  ASSERT_EQ(s.link().state(), LinkState::kTeiAssigned);
  s.peer(Frame{.type = FrameType::kDM, .command = false});
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
}

TEST(Q921Link, InvalidFramesAreCountedAndIgnoredWithADebugLine) {
  std::vector<std::string> lines;
  core::Log log(core::LogLevel::kDebug, [&lines](core::LogLevel, std::string_view line) { lines.emplace_back(line); });
  Solo s(config(Side::kUser), &log);
  s.establish();
  const auto sent = s.end.sent.size();
  s.peer_bytes({0x02});                    // too short
  s.peer_bytes({0x03, 0x01, 0x01, 0x00});  // bad EA
  s.peer_bytes({0x02, 0x01, 0x00});        // I frame without its second control octet
  EXPECT_TRUE(s.link().established());
  EXPECT_EQ(s.end.sent.size(), sent);
  EXPECT_TRUE(s.end.mdl.empty());
  EXPECT_EQ(s.link().counters().malformed(DecodeError::kTooShort), 1u);
  EXPECT_EQ(s.link().counters().malformed(DecodeError::kBadAddressEa), 1u);
  EXPECT_EQ(s.link().counters().malformed(DecodeError::kTruncatedControl), 1u);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("frame of 1 octets discarded (invalid): frame shorter than"), std::string::npos)
      << lines.back();
  EXPECT_NE(lines.back().find("te (user side)"), std::string::npos) << lines.back();
}

TEST(Q921Link, StateChangesAndMdlErrorsAreLoggedAndRepeatedErrorsRateLimited) {
  std::vector<std::string> lines;
  core::Log log(core::LogLevel::kInfo, [&lines](core::LogLevel, std::string_view line) { lines.emplace_back(line); });
  Solo s(config(Side::kNetwork), &log);
  s.establish();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("nt (network side): link up"), std::string::npos) << lines[0];
  s.peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
  s.peer(Frame{.type = FrameType::kUA, .command = false, .poll_final = true});
  ASSERT_EQ(lines.size(), 2u);  // the second C within the interval is held back
  EXPECT_NE(lines[1].find("MDL-ERROR C: unsolicited UA response (F=1) in state 7"), std::string::npos) << lines[1];
  EXPECT_EQ(s.link().counters().mdl(MdlError::kUnsolicitedUaF1), 2u);  // but counted
  s.peer(Frame{.type = FrameType::kDISC, .command = true, .poll_final = true});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[2].find("link down: released by the peer (DISC)"), std::string::npos) << lines[2];
}

TEST(Q921Link, FrameRejectionConditionsReEstablishWithTheirCodes) {
  struct Case {
    Bytes bytes;  // from the network side, SAPI 0 TEI 0
    char code;
  };
  const std::vector<Case> cases{
      {{0x02, 0x01, 0x23}, 'L'},              // undefined U control field
      {{0x00, 0x01, 0x00, 0x00}, 'L'},        // an I frame as a response
      {{0x02, 0x01, 0x7F, 0x00}, 'M'},        // SABME with information
      {{0x02, 0x01, 0x01, 0x00, 0x00}, 'N'},  // RR of 5 octets
  };
  for (const auto& c : cases) {
    Solo s;
    s.establish();
    s.peer_bytes(c.bytes);
    EXPECT_EQ(s.end.mdl_codes(), std::vector{c.code}) << to_hex(c.bytes);
    EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment) << to_hex(c.bytes);
  }
  Solo s;
  s.establish();
  Bytes long_info(261, 0x11);
  s.peer(Frame{.type = FrameType::kI, .command = true, .info = long_info});
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'O'});
  EXPECT_TRUE(s.end.data().empty());
  EXPECT_EQ(s.link().state(), LinkState::kAwaitingEstablishment);
}

TEST(Q921Link, FramesForAnotherSapiOrTeiAreIgnored) {
  Solo s;
  s.establish();
  s.peer(Frame{.type = FrameType::kDISC, .sapi = 63, .command = true, .poll_final = true});
  s.peer(Frame{.type = FrameType::kDISC, .tei = 127, .command = true, .poll_final = true});
  EXPECT_TRUE(s.link().established());
  EXPECT_EQ(s.link().counters().other_address_in, 2u);
}

TEST(Q921Link, IAndSFramesBeforeEstablishmentAreIgnored) {
  Solo s;
  Bytes m = message(1);
  s.peer(Frame{.type = FrameType::kI, .command = true, .poll_final = true, .info = m});
  s.peer(Frame{.type = FrameType::kRR, .command = true, .poll_final = true});
  EXPECT_TRUE(s.end.sent.empty());
  EXPECT_TRUE(s.end.heard.empty());
  EXPECT_EQ(s.link().state(), LinkState::kTeiAssigned);
}

// ---------------------------------------------------------------------------
// Layer 1

TEST(Q921Link, Layer1DownReleasesTheLinkAndLayer1UpEstablishesItAtOnce) {
  BackToBack b;
  b.establish();
  b.user.link->data_request(message(1));
  b.cut = true;
  b.user.link->layer1_down();
  EXPECT_EQ(b.user.link->state(), LinkState::kTeiAssigned);
  ASSERT_EQ(b.user.heard.back().primitive, DlPrimitive::kReleaseIndication);
  EXPECT_EQ(b.user.heard.back().reason, ReleaseReason::kLayer1Down);
  const auto sent = b.user.sent.size();
  b.run(60s);
  EXPECT_EQ(b.user.sent.size(), sent);  // nothing while layer 1 is down
  EXPECT_FALSE(b.user.link->data_request(message(2)));
  b.network.link->layer1_down();
  b.cut = false;
  b.user.link->layer1_up();
  b.network.link->layer1_up();
  b.run(10ms);
  EXPECT_TRUE(b.user.link->established());
  EXPECT_TRUE(b.network.link->established());
  EXPECT_EQ(b.user.heard.back().primitive, DlPrimitive::kEstablishIndication);
}

// ---------------------------------------------------------------------------
// Config

TEST(Q921Link, TheDefaultsAreQ921sAndAConfigOutOfRangeIsRefused) {
  Q921Config c;
  EXPECT_EQ(c.k, 7);
  EXPECT_EQ(c.t200, 1000ms);
  EXPECT_EQ(c.t203, 10000ms);
  EXPECT_EQ(c.n200, 3);
  EXPECT_EQ(c.n201, 260u);
  EXPECT_EQ(validate(c), "");
  c.k = 0;
  EXPECT_EQ(validate(c), "k must be 1 to 127");
  c.k = 128;
  EXPECT_EQ(validate(c), "k must be 1 to 127");
  c = Q921Config{};
  c.n200 = 0;
  EXPECT_EQ(validate(c), "N200 must be at least 1");
  c = Q921Config{};
  c.reestablish_delay_max = 10ms;
  EXPECT_NE(validate(c), "");
  core::ManualClock clock;
  core::EventLoop loop(clock);
  EXPECT_THROW(Q921Link(loop, c, {}), std::invalid_argument);
}

TEST(Q921Link, ConfiguredTimersAreTheOnesThatRun) {
  auto cfg = config(Side::kNetwork);
  cfg.t200 = 250ms;
  cfg.n200 = 5;
  Solo s(cfg);
  s.link().establish_request();
  s.run(1600ms);
  auto sabmes = s.end.sent_of(FrameType::kSABME);
  ASSERT_EQ(sabmes.size(), 6u);
  EXPECT_EQ(sabmes[5]->at - sabmes[0]->at, 1250ms);
  EXPECT_EQ(s.end.mdl_codes(), std::vector{'G'});
}

}  // namespace
}  // namespace sipnic::pri
