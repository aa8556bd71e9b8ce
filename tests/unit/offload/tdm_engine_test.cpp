// offload::TdmEngine on the cpu backend (the HLS kernels' C simulation):
// spans of one engine wired back to back, each run's line block carried to
// the far end's receive line for the next run, as two cards on a cable.
#include "offload/tdm_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "offload/device.h"

namespace sipnic::offload {
namespace {

using tdm_framer::kStatusAlarmIndication;
using tdm_framer::kStatusAligned;
using tdm_framer::kStatusLossOfSignal;
using tdm_framer::kStatusRemoteAlarm;

// Spans 2i and 2i + 1 of the engine are the two ends of line i.
class Cable {
 public:
  Cable(tdm::SpanType type, std::uint32_t lines, bool crc4 = true) {
    std::vector<TdmSpanSetup> setups(2 * lines, TdmSpanSetup{type, crc4});
    engine_.configure(setups);
  }
  TdmEngine& engine() { return engine_; }
  // Stops carrying span `span`'s signal: its far end receives zeros.
  void cut(std::uint32_t span) { cut_.push_back(span); }
  // Span `span` gets no block in the next run (a slip): what was on its way
  // waits for the run after.
  void skip_next(std::uint32_t span) { skip_.push_back(span); }
  void run(std::uint32_t runs = 1) {
    for (std::uint32_t r = 0; r < runs; ++r) {
      for (std::uint32_t s = 0; s < engine_.span_count(); ++s) {
        const bool skip = std::find(skip_.begin(), skip_.end(), s) != skip_.end();
        if (skip) {
          engine_.set_line_options(s, TdmLineOptions{.receive_present = false});
          continue;
        }
        auto line = engine_.receive_line(s);
        std::fill(line.begin(), line.end(), 0);
        if (!in_transit_[s].empty()) {
          std::copy(in_transit_[s].front().begin(), in_transit_[s].front().end(), line.begin());
          in_transit_[s].pop_front();
        }
      }
      skip_.clear();
      engine_.run();
      for (std::uint32_t s = 0; s < engine_.span_count(); ++s) {
        const bool is_cut = std::find(cut_.begin(), cut_.end(), s) != cut_.end();
        const auto sent = engine_.transmit_line(s);
        std::vector<std::uint8_t> block(sent.size(), 0);
        if (!is_cut) std::copy(sent.begin(), sent.end(), block.begin());
        in_transit_[s ^ 1u].push_back(std::move(block));
      }
      for (const auto& f : engine_.received_frames()) frames_.push_back({f.span, {f.octets.begin(), f.octets.end()}});
    }
  }
  bool aligned_everywhere() {
    for (std::uint32_t s = 0; s < engine_.span_count(); ++s)
      if (engine_.status(s).flags != kStatusAligned) return false;
    return true;
  }
  // Runs until every span is aligned without an alarm; false after `limit` runs.
  bool run_until_aligned(std::uint32_t limit = 100) {
    for (std::uint32_t r = 0; r < limit; ++r) {
      run();
      if (aligned_everywhere()) return true;
    }
    return false;
  }
  struct Frame {
    std::uint32_t span;
    std::vector<std::uint8_t> octets;
  };
  std::vector<Frame>& frames() { return frames_; }

 private:
  CpuTdmEngine engine_;
  std::vector<std::uint32_t> cut_, skip_;
  std::map<std::uint32_t, std::deque<std::vector<std::uint8_t>>> in_transit_;  // blocks on their way to a span
  std::vector<Frame> frames_;
};

std::vector<std::uint8_t> frame_of(std::uint32_t tag, std::size_t length) {
  std::vector<std::uint8_t> f(length);
  for (std::size_t i = 0; i < length; ++i) f[i] = static_cast<std::uint8_t>(tag * 31 + i * 7);
  // 0x7E and 0xFF inside exercise the bit stuffing.
  if (length > 4) f[3] = 0x7E;
  if (length > 5) f[4] = 0xFF;
  return f;
}

// Offers `frame` on `span` until a run accepts it.
void send_frame(Cable& cable, std::uint32_t span, const std::vector<std::uint8_t>& frame) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    ASSERT_TRUE(cable.engine().offer_frame(span, frame));
    cable.run();
    if (cable.engine().offer_status(span) == hdlc::kAccepted) return;
    ASSERT_EQ(cable.engine().offer_status(span), hdlc::kBusy);
  }
  FAIL() << "frame never accepted";
}

struct LineCase {
  const char* name;
  tdm::SpanType type;
  bool crc4;
};
const LineCase kLines[] = {{"e1_crc4", tdm::kE1, true}, {"e1", tdm::kE1, false}, {"t1_esf", tdm::kT1, false}};

class TdmEngineLine : public ::testing::TestWithParam<LineCase> {};

TEST_P(TdmEngineLine, BothEndsAlignAndCarryDChannelFramesBothWaysIntact) {
  Cable cable(GetParam().type, 1, GetParam().crc4);
  ASSERT_TRUE(cable.run_until_aligned());
  cable.run(4);  // what the HDLC receivers made of the line before alignment is behind them
  auto errors = [&](std::uint32_t span) {
    const auto& c = cable.engine().dchannel_receive_counters(span);
    return c.fcs_errors + c.aborts + c.misaligned + c.too_short + c.too_long;
  };
  const std::uint32_t errors_before[2] = {errors(0), errors(1)};
  std::vector<std::vector<std::uint8_t>> sent[2];
  for (std::uint32_t i = 0; i < 20; ++i) {
    for (std::uint32_t span = 0; span < 2; ++span) {
      sent[span].push_back(frame_of(i * 2 + span, 3 + (i * 37) % 260));
      send_frame(cable, span, sent[span].back());
    }
  }
  cable.run(100);  // the pipeline and two queued frames of up to 262 octets at 8 a run drain
  std::vector<std::vector<std::uint8_t>> received[2];
  for (const auto& f : cable.frames()) received[f.span].push_back(f.octets);
  ASSERT_EQ(received[1].size(), sent[0].size());
  ASSERT_EQ(received[0].size(), sent[1].size());
  EXPECT_TRUE(received[1] == sent[0]);
  EXPECT_TRUE(received[0] == sent[1]);
  for (std::uint32_t span = 0; span < 2; ++span) {
    EXPECT_EQ(errors(span), errors_before[span]) << "span " << span;
    EXPECT_EQ(cable.engine().status(span).crc_errors, 0u);
  }
}

TEST_P(TdmEngineLine, BChannelSamplesArriveInTheirOwnTimeslotTwoRunsLater) {
  Cable cable(GetParam().type, 1, GetParam().crc4);
  ASSERT_TRUE(cable.run_until_aligned());
  const bool e1 = GetParam().type == tdm::kE1;
  const std::uint32_t positions = e1 ? tdm::kE1Timeslots : tdm::kT1Channels;
  const std::uint32_t dchannel = tdm_mux::dchannel_position(GetParam().type);
  auto sample = [](std::uint32_t run, std::uint32_t position, std::uint32_t frame) {
    return static_cast<std::uint8_t>(run * 13 + position * 5 + frame + 1);
  };
  std::vector<std::vector<std::uint8_t>> received;
  for (std::uint32_t run = 0; run < 12; ++run) {
    auto out = cable.engine().transmit_timeslots(0);
    for (std::uint32_t p = 0; p < positions; ++p)
      for (std::uint32_t f = 0; f < tdm::kFramesPerBlock; ++f) out[p * tdm::kFramesPerBlock + f] = sample(run, p, f);
    cable.run();
    ASSERT_EQ(cable.engine().status(1).received_frames, tdm::kFramesPerBlock);
    const auto in = cable.engine().receive_timeslots(1);
    received.emplace_back(in.begin(), in.end());
  }
  // What run r handed in reaches the far end's receive side in a later run,
  // the same number of runs later for every run.
  std::uint32_t delay = 0;
  for (; delay < 4; ++delay) {
    const auto& block = received[delay];
    if (block[1 * tdm::kFramesPerBlock] == sample(0, 1, 0)) break;
  }
  ASSERT_LT(delay, 4u) << "the samples of run 0 never arrived";
  for (std::uint32_t run = 0; run + delay < received.size(); ++run) {
    for (std::uint32_t p = e1 ? 1 : 0; p < positions; ++p) {
      if (p == dchannel) continue;
      for (std::uint32_t f = 0; f < tdm::kFramesPerBlock; ++f)
        ASSERT_EQ(received[run + delay][p * tdm::kFramesPerBlock + f], sample(run, p, f))
            << "run " << run << " position " << p << " frame " << f;
    }
  }
}

TEST_P(TdmEngineLine, ARunWithoutAReceivedBlockKeepsTheLineAlignedAndTheBlockComesNextRun) {
  Cable cable(GetParam().type, 1, GetParam().crc4);
  ASSERT_TRUE(cable.run_until_aligned());
  cable.run(4);
  std::vector<std::vector<std::uint8_t>> sent;
  for (std::uint32_t i = 0; i < 30; ++i) {
    sent.push_back(frame_of(i, 10 + i));
    send_frame(cable, 0, sent.back());
    if (i % 3 == 1) {
      cable.skip_next(1);
      cable.run();
      EXPECT_EQ(cable.engine().status(1).received_frames, 0u);
      EXPECT_TRUE(cable.engine().status(1).flags & kStatusAligned);
    }
  }
  cable.run(40);
  std::vector<std::vector<std::uint8_t>> received;
  for (const auto& f : cable.frames())
    if (f.span == 1) received.push_back(f.octets);
  // A slip delays the line, it does not cut it: the receiver stays in frame
  // and every frame arrives. (Its D-channel reads the slipped millisecond as
  // idle ones, which aborts a frame only if one is on the line then: these
  // runs carry flags between the frames, and a frame caught by one may be
  // lost, never corrupted.)
  for (const auto& r : received) EXPECT_NE(std::find(sent.begin(), sent.end(), r), sent.end());
  EXPECT_GE(received.size() + 10, sent.size());
  EXPECT_EQ(cable.engine().status(1).alignment_losses, 0u);
  EXPECT_EQ(cable.engine().status(1).crc_errors, 0u);
  EXPECT_EQ(cable.engine().dchannel_receive_counters(1).fcs_errors, 0u);
}

TEST_P(TdmEngineLine, ASilentLineIsLosAndTheFarEndSeesTheRemoteAlarm) {
  Cable cable(GetParam().type, 1, GetParam().crc4);
  ASSERT_TRUE(cable.run_until_aligned());
  cable.cut(0);  // span 1 hears nothing
  cable.run(60);
  EXPECT_TRUE(cable.engine().status(1).flags & kStatusLossOfSignal);
  EXPECT_FALSE(cable.engine().status(1).flags & kStatusAligned);
  EXPECT_TRUE(cable.engine().status(0).flags & kStatusRemoteAlarm);
}

TEST_P(TdmEngineLine, AisSentIsBlueAlarmAtTheFarEndAndClearsWhenFramesReturn) {
  Cable cable(GetParam().type, 1, GetParam().crc4);
  ASSERT_TRUE(cable.run_until_aligned());
  for (int r = 0; r < 20; ++r) {
    cable.engine().set_line_options(0, TdmLineOptions{.send_ais = true});
    cable.run();
  }
  EXPECT_TRUE(cable.engine().status(1).flags & kStatusAlarmIndication);
  cable.engine().set_line_options(0, TdmLineOptions{});
  EXPECT_TRUE(cable.run_until_aligned());
}

INSTANTIATE_TEST_SUITE_P(Formats, TdmEngineLine, ::testing::ValuesIn(kLines),
                         [](const ::testing::TestParamInfo<LineCase>& info) { return std::string(info.param.name); });

TEST(TdmEngine, ManySpansInOneBatchKeepTheirOwnDChannels) {
  Cable cable(tdm::kE1, 8);
  ASSERT_TRUE(cable.run_until_aligned());
  for (std::uint32_t span = 0; span < 16; ++span) ASSERT_TRUE(cable.engine().offer_frame(span, frame_of(span, 20)));
  cable.run(10);
  ASSERT_EQ(cable.frames().size(), 16u);
  for (const auto& f : cable.frames()) EXPECT_EQ(f.octets, frame_of(f.span ^ 1u, 20)) << "span " << f.span;
}

TEST(TdmEngine, AFrameLongerThanHdlcCarriesIsRefused) {
  CpuTdmEngine engine;
  const TdmSpanSetup setup{};
  engine.configure({&setup, 1});
  EXPECT_FALSE(engine.offer_frame(0, std::vector<std::uint8_t>(hdlc::kMaxFrameLength + 1)));
  EXPECT_TRUE(engine.offer_frame(0, std::vector<std::uint8_t>(hdlc::kMaxFrameLength)));
}

TEST(TdmEngine, MoreSpansThanABatchHoldsThrow) {
  CpuTdmEngine engine;
  std::vector<TdmSpanSetup> setups(tdm::kMaxSpans + 1);
  EXPECT_THROW(engine.configure(setups), std::length_error);
}

TEST(TdmEngine, TheCpuDeviceMakesTdmEnginesThatRunTheKernels) {
  const auto device = make_device("cpu");
  const auto engine = device->make_tdm_engine();
  ASSERT_NE(engine, nullptr);
  const TdmSpanSetup setup{tdm::kT1, false};
  engine->configure({&setup, 1});
  engine->run();
  EXPECT_EQ(engine->transmit_line(0).size(), tdm_framer::kT1BlockOctets);
  EXPECT_TRUE(engine->status(0).flags & tdm_framer::kStatusLossOfFrame);  // nothing received yet
}

}  // namespace
}  // namespace sipnic::offload
