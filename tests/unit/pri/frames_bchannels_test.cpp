// Tests for host/pri/frames_bchannels.cpp: the B-channel socket of a
// `frames` span, on a core::ManualClock loop. A raw peer the test holds
// checks the datagram format (8 timeslot-interleaved frames a millisecond)
// both ways; two spans back to back carry each channel's samples to the
// same channel at the far end.
#include "pri/frames_bchannels.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/unix_socket.h"
#include "pri/span.h"
#include "support/run_command.h"
#include "support/span_config.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;

// A frames span with its D-channel and B-channel sockets in `dir`.
core::SpanConfig frames_span(const std::string& name, core::SpanType type, core::SpanSide side,
                             core::SpanSocketRole role, const std::string& dir) {
  core::SpanConfig s = test::span_config(name, type, side, role, dir + "/d.sock");
  s.b_channels_socket = dir + "/b.sock";
  return s;
}

std::uint32_t positions_of(core::SpanType t) { return t == core::SpanType::kE1 ? 32 : 24; }

// A raw B-channel peer: the test's end of the socket.
class RawPeer : public ::testing::TestWithParam<core::SpanType> {
 protected:
  RawPeer() : loop_(clock_) {
    const core::SpanConfig s =
        frames_span("pri1", GetParam(), core::SpanSide::kUser, core::SpanSocketRole::kConnect, dir_.path().string());
    std::string why;
    listener_ = core::listen_unix(s.b_channels_socket, SOCK_SEQPACKET, why, 1);
    EXPECT_TRUE(listener_.valid()) << why;
    b_ = std::make_unique<FramesBChannels>(
        loop_, s,
        [this](std::span<const std::uint8_t> in, std::uint32_t frames, std::span<std::uint8_t> out) {
          if (frames) received_.emplace_back(in.begin(), in.end());
          // Position p, frame f of millisecond n: a value the test can check.
          for (std::uint32_t p = 0; p < positions_of(GetParam()); ++p)
            for (std::uint32_t f = 0; f < tdm::kFramesPerBlock; ++f)
              out[sample_index(p, f)] = static_cast<std::uint8_t>(p * 8 + f + sent_ms_);
          ++sent_ms_;
        });
  }
  void step(int ms = 1) {
    for (int i = 0; i < ms; ++i) {
      loop_.advance(clock_, 1ms);
      if (!peer_.valid()) peer_ = core::UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK));
    }
  }

  test::TempDir dir_{"sipnic-bchannels"};
  core::ManualClock clock_;
  core::EventLoop loop_;
  core::UniqueFd listener_, peer_;
  std::unique_ptr<FramesBChannels> b_;
  std::vector<std::vector<std::uint8_t>> received_;
  std::uint32_t sent_ms_ = 0;
};

TEST_P(RawPeer, EachMillisecondIsOneDatagramOfEightInterleavedFramesBothWays) {
  b_->start();
  step(3);
  ASSERT_TRUE(peer_.valid());
  const std::uint32_t octets = positions_of(GetParam());
  EXPECT_EQ(b_->block_octets(), 8u * octets);
  // What sipnic sends: frame f's octet p is the sample of position p, frame f.
  std::vector<std::uint8_t> in(512);
  std::optional<std::uint32_t> first_value;
  int datagrams = 0;
  for (ssize_t n; (n = ::recv(peer_.get(), in.data(), in.size(), 0)) > 0; ++datagrams) {
    ASSERT_EQ(n, static_cast<ssize_t>(b_->block_octets()));
    const std::uint8_t base = in[0];  // position 0, frame 0 of that millisecond
    for (std::uint32_t f = 0; f < 8; ++f)
      for (std::uint32_t p = 0; p < octets; ++p) {
        const bool dchannel = p == (GetParam() == core::SpanType::kE1 ? 16u : 23u);
        if (dchannel) {
          EXPECT_EQ(in[f * octets + p], 0) << "the D-channel's position carries nothing here";
        } else {
          EXPECT_EQ(in[f * octets + p], static_cast<std::uint8_t>(base + p * 8 + f)) << "frame " << f << " position " << p;
        }
      }
  }
  EXPECT_GE(datagrams, 2);
  // What the peer sends reaches the samples callback demultiplexed, once the
  // store has filled (FramesBChannels::kStoreFill).
  for (int ms = 0; ms < 10; ++ms) {
    std::vector<std::uint8_t> out(b_->block_octets());
    for (std::uint32_t f = 0; f < 8; ++f)
      for (std::uint32_t p = 0; p < octets; ++p) out[f * octets + p] = static_cast<std::uint8_t>(ms * 3 + f * octets + p);
    ASSERT_EQ(::send(peer_.get(), out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
    step();
  }
  ASSERT_GE(received_.size(), 5u);
  for (std::size_t k = 0; k < received_.size(); ++k) {
    const std::uint32_t ms = static_cast<std::uint32_t>(k);  // in order, none lost
    for (std::uint32_t p = 1; p < octets; ++p) {
      if (p == (GetParam() == core::SpanType::kE1 ? 16u : 23u)) continue;
      for (std::uint32_t f = 0; f < 8; ++f)
        ASSERT_EQ(received_[k][sample_index(p, f)], static_cast<std::uint8_t>(ms * 3 + f * octets + p))
            << "ms " << ms << " position " << p << " frame " << f;
    }
  }
  EXPECT_EQ(b_->counters().slips, 0u);
}

TEST_P(RawPeer, ADatagramOfTheWrongSizeIsDroppedAndAStoreRunDryIsASlip) {
  b_->start();
  step(2);
  ASSERT_TRUE(peer_.valid());
  const std::uint8_t junk[10] = {};
  ASSERT_EQ(::send(peer_.get(), junk, sizeof junk, 0), 10);
  std::vector<std::uint8_t> block(b_->block_octets(), 0x55);
  for (int i = 0; i < 6; ++i) ASSERT_GT(::send(peer_.get(), block.data(), block.size(), 0), 0);
  step(12);  // plays 6, then runs dry
  EXPECT_EQ(b_->counters().bad_blocks, 1u);
  EXPECT_EQ(b_->counters().blocks_in, 6u);
  EXPECT_EQ(b_->counters().slips, 1u);
  EXPECT_EQ(received_.size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Lines, RawPeer, ::testing::Values(core::SpanType::kE1, core::SpanType::kT1),
                         [](const ::testing::TestParamInfo<core::SpanType>& info) {
                           return std::string(core::span_type_name(info.param));
                         });

// Two frames spans with B-channel sockets: each B-channel's samples arrive
// on the same channel at the far end, both ways.
TEST(FramesBChannelsBackToBack, EveryChannelsSamplesArriveOnTheSameChannelBothWays) {
  test::TempDir dir("sipnic-bchannels-pair");
  core::ManualClock clock;
  core::EventLoop loop(clock);
  const std::string path = dir.path().string();
  std::map<std::string, std::vector<std::vector<std::uint8_t>>> heard;
  auto talker = [&heard](const std::string& name, std::uint8_t tag) {
    Span::Callbacks cb;
    cb.on_samples = [&heard, name, tag](std::span<const std::uint8_t> in, std::uint32_t frames,
                                        std::span<std::uint8_t> out) {
      if (frames) heard[name].emplace_back(in.begin(), in.end());
      for (std::uint32_t p = 0; p < 32; ++p)
        for (std::uint32_t f = 0; f < 8; ++f) out[sample_index(p, f)] = static_cast<std::uint8_t>(tag ^ (p * 8 + f));
    };
    return cb;
  };
  Span nt(loop, frames_span("nt", core::SpanType::kE1, core::SpanSide::kNetwork, core::SpanSocketRole::kListen, path),
          talker("nt", 0xA0));
  Span te(loop, frames_span("te", core::SpanType::kE1, core::SpanSide::kUser, core::SpanSocketRole::kConnect, path),
          talker("te", 0x0F));
  nt.start();
  te.start();
  for (int i = 0; i < 50; ++i) loop.advance(clock, 1ms);
  ASSERT_TRUE(te.calls().link_up());
  ASSERT_GT(heard["nt"].size(), 20u);
  ASSERT_GT(heard["te"].size(), 20u);
  for (const auto& [name, blocks] : heard) {
    const std::uint8_t tag = name == "nt" ? 0x0F : 0xA0;  // the far end's
    for (std::uint32_t p = 1; p < 32; ++p) {
      if (p == 16) continue;
      for (std::uint32_t f = 0; f < 8; ++f)
        EXPECT_EQ(blocks.back()[sample_index(p, f)], static_cast<std::uint8_t>(tag ^ (p * 8 + f)))
            << name << " timeslot " << p << " frame " << f;
    }
  }
  EXPECT_EQ(te.frames_b_channels()->counters().slips, 0u);
}

}  // namespace
}  // namespace sipnic::pri
