// Tests for host/pri/frames_dchannel.cpp: the FCS-16 of a frames datagram,
// and the D-channel socket against a raw SOCK_SEQPACKET peer the test holds,
// on a core::ManualClock loop (its turns poll the sockets without waiting).
#include "pri/frames_dchannel.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/unix_socket.h"
#include "support/hex.h"
#include "support/run_command.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

TEST(FrameCheckSequence, IsTheX25CheckValueOfTheStandardTestString) {
  // CRC-16/X-25 (RFC 1662's FCS-16) of "123456789" is 0x906E, sent low octet first.
  const std::string s = "123456789";
  const Bytes data(s.begin(), s.end());
  const auto fcs = frame_check_sequence(data);
  EXPECT_EQ(fcs[0], 0x6E);
  EXPECT_EQ(fcs[1], 0x90);
  Bytes framed = data;
  framed.insert(framed.end(), fcs.begin(), fcs.end());
  EXPECT_TRUE(frame_check_sequence_good(framed));
  framed[3] ^= 0x01;
  EXPECT_FALSE(frame_check_sequence_good(framed));
}

Bytes with_fcs(Bytes frame) {
  const auto fcs = frame_check_sequence(frame);
  frame.insert(frame.end(), fcs.begin(), fcs.end());
  return frame;
}

class FramesDChannelTest : public ::testing::Test {
 protected:
  FramesDChannelTest() : loop_(clock_), path_((dir_.path() / "d.sock").string()) {}

  std::unique_ptr<FramesDChannel> make(core::SpanSocketRole role) {
    FramesDChannel::Callbacks cb;
    cb.frame = [this](std::span<const std::uint8_t> f) { frames_.emplace_back(f.begin(), f.end()); };
    cb.layer1 = [this](bool up) { layer1_.push_back(up); };
    return std::make_unique<FramesDChannel>(loop_, path_, role, cb, nullptr, "t");
  }
  void turns(int n = 3) {
    for (int i = 0; i < n; ++i) loop_.advance(clock_, 1ms);
  }
  core::UniqueFd connect_peer() {
    std::string why;
    core::UniqueFd fd = core::connect_unix(path_, SOCK_SEQPACKET, why);
    EXPECT_TRUE(fd) << why;
    return fd;
  }
  static Bytes receive(int fd) {
    Bytes b(600);
    const ssize_t n = ::recv(fd, b.data(), b.size(), MSG_DONTWAIT);
    b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return b;
  }

  test::TempDir dir_{"sipnic-frames"};
  core::ManualClock clock_;
  core::EventLoop loop_;
  std::string path_;
  std::vector<Bytes> frames_;
  std::vector<bool> layer1_;
};

TEST_F(FramesDChannelTest, AListenerTakesAPeerAndPassesOnlyGoodFramesWithoutTheirFcs) {
  auto d = make(core::SpanSocketRole::kListen);
  d->start();
  core::UniqueFd peer = connect_peer();
  turns();
  ASSERT_EQ(layer1_, (std::vector<bool>{true}));
  EXPECT_TRUE(d->up());
  const Bytes sabme{0x00, 0x01, 0x7F};
  Bytes good = with_fcs(sabme);
  Bytes bad = good;
  bad.back() ^= 0xFF;
  for (const Bytes& b : {good, bad, Bytes{0x00, 0x01}})
    ASSERT_EQ(::send(peer.get(), b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
  turns();
  ASSERT_EQ(frames_.size(), 1u);
  EXPECT_EQ(frames_[0], sabme);
  EXPECT_EQ(d->counters().bad_fcs, 1u);
  EXPECT_EQ(d->counters().short_frames, 1u);
}

TEST_F(FramesDChannelTest, FramesSentCarryTheirFcs) {
  auto d = make(core::SpanSocketRole::kListen);
  d->start();
  core::UniqueFd peer = connect_peer();
  turns();
  const Bytes ua{0x00, 0x01, 0x73};
  ASSERT_TRUE(d->send(ua));
  const Bytes got = receive(peer.get());
  EXPECT_EQ(test::to_hex(got), test::to_hex(with_fcs(ua)));
}

TEST_F(FramesDChannelTest, APeerGoingAwayIsLayer1DownAndTheNextPeerIsTaken) {
  auto d = make(core::SpanSocketRole::kListen);
  d->start();
  core::UniqueFd first = connect_peer();
  turns();
  core::UniqueFd second = connect_peer();  // refused while the first is attached
  turns();
  EXPECT_EQ(d->counters().refused_peers, 1u);
  EXPECT_EQ(receive(second.get()).size(), 0u);
  first.reset();
  turns();
  EXPECT_EQ(layer1_, (std::vector<bool>{true, false}));
  EXPECT_FALSE(d->up());
  EXPECT_FALSE(d->send(Bytes{0x00, 0x01, 0x73}));
  core::UniqueFd third = connect_peer();
  turns();
  EXPECT_EQ(layer1_, (std::vector<bool>{true, false, true}));
}

TEST_F(FramesDChannelTest, AFloodingPeerIsReadAtMost64FramesPerLoopTurn) {
  auto d = make(core::SpanSocketRole::kListen);
  d->start();
  core::UniqueFd peer = connect_peer();
  turns();
  const Bytes rr = with_fcs({0x02, 0x01, 0x01, 0x00});
  int sent = 0;
  while (sent < 150 && ::send(peer.get(), rr.data(), rr.size(), MSG_DONTWAIT) == static_cast<ssize_t>(rr.size()))
    ++sent;
  ASSERT_GT(sent, 64);
  loop_.run_once();  // one turn: the rest waits for the next, so other work of the loop goes on
  EXPECT_EQ(frames_.size(), 64u);
  turns(5);
  EXPECT_EQ(frames_.size(), static_cast<std::size_t>(sent));
}

TEST_F(FramesDChannelTest, AConnectorRetriesUntilAListenerIsThere) {
  auto d = make(core::SpanSocketRole::kConnect);
  d->start();
  turns();
  EXPECT_FALSE(d->up());
  std::string why;
  core::UniqueFd listener = core::listen_unix(path_, SOCK_SEQPACKET, why);
  ASSERT_TRUE(listener) << why;
  loop_.advance(clock_, 1s);  // the first retry
  EXPECT_TRUE(d->up());
  EXPECT_EQ(layer1_, (std::vector<bool>{true}));
  core::UniqueFd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(accepted);
  accepted.reset();  // the listener's end goes: down, and connecting again
  turns();
  EXPECT_EQ(layer1_, (std::vector<bool>{true, false}));
  loop_.advance(clock_, 1s);
  EXPECT_TRUE(d->up());
}

TEST_F(FramesDChannelTest, AListenerRefusesAPathALiveProcessAnswersOn) {
  std::string why;
  core::UniqueFd other = core::listen_unix(path_, SOCK_SEQPACKET, why);
  ASSERT_TRUE(other) << why;
  auto d = make(core::SpanSocketRole::kListen);
  try {
    d->start();
    FAIL() << "start() took a path another listener holds";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("another process answers on it"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sipnic::pri
