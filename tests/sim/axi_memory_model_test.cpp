// sim::AxiMemoryModel and sim::DeviceMemory, driven directly as an AXI
// master would: read and write latency, outstanding bursts and AR/AW
// backpressure, back-to-back bursts, every supported beat width, byte
// strobes, and the protocol rules it enforces.
#include "sim/axi_memory_model.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "sim/device_memory.h"

namespace sipnic::sim {
namespace {

// A tiny AXI master around the model: holds what it drives and steps the
// clock.
class Master {
 public:
  Master(DeviceMemory& memory, MemoryModelConfig config) : model(memory, config) {
    sig.wdata.assign(model.beat_bytes(), 0);
    sig.wstrb.assign(model.beat_bytes(), false);
  }

  // One cycle; returns the slave outputs seen during it (before the edge).
  AxiSlaveSignals step() {
    AxiSlaveSignals seen = model.outputs();
    model.clock_edge(sig);
    return seen;
  }

  unsigned size_code() const {
    unsigned s = 0;
    while ((1u << s) < model.beat_bytes()) ++s;
    return s;
  }

  void set_ar(std::uint64_t addr, unsigned beats) {
    sig.arvalid = true;
    sig.araddr = addr;
    sig.arlen = static_cast<std::uint8_t>(beats - 1);
    sig.arsize = static_cast<std::uint8_t>(size_code());
    sig.arburst = 1;
  }
  void set_aw(std::uint64_t addr, unsigned beats) {
    sig.awvalid = true;
    sig.awaddr = addr;
    sig.awlen = static_cast<std::uint8_t>(beats - 1);
    sig.awsize = static_cast<std::uint8_t>(size_code());
    sig.awburst = 1;
  }

  AxiMemoryModel model;
  AxiMasterSignals sig;
};

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + 7 * i + (i >> 8));
  return v;
}

TEST(DeviceMemory, AllocatesZeroedFourKibAlignedBuffersAboveFourGib) {
  DeviceMemory memory;
  const std::uint64_t a = memory.allocate(1);
  const std::uint64_t b = memory.allocate(5000);
  const std::uint64_t c = memory.allocate(0);
  EXPECT_GE(a, std::uint64_t{1} << 32);
  EXPECT_EQ(a % 4096, 0u);
  EXPECT_EQ(b, a + 4096);
  EXPECT_EQ(c, b + 8192);
  std::vector<std::uint8_t> out(5000, 0xff);
  memory.read(b, out);
  EXPECT_EQ(out, std::vector<std::uint8_t>(5000, 0));
}

TEST(DeviceMemory, WriteThenReadRoundTripsAndOutOfRangeThrows) {
  DeviceMemory memory;
  const std::uint64_t a = memory.allocate(4096);
  const auto data = pattern(100, 3);
  memory.write(a + 10, data);
  std::vector<std::uint8_t> out(100);
  memory.read(a + 10, out);
  EXPECT_EQ(out, data);
  std::vector<std::uint8_t> one(1);
  EXPECT_THROW(memory.read(a + 4096, one), std::out_of_range);
  EXPECT_THROW(memory.read(a - 1, one), std::out_of_range);
  EXPECT_THROW(memory.write(a + 4090, data), std::out_of_range);
}

TEST(DeviceMemory, AllocationPastCapacityThrows) {
  DeviceMemory memory(8192);
  memory.allocate(4096);
  memory.allocate(4096);
  EXPECT_THROW(memory.allocate(1), std::length_error);
}

TEST(AxiMemoryModel, FirstReadBeatComesReadLatencyCyclesAfterTheArHandshake) {
  for (unsigned latency : {1u, 5u, 100u}) {
    SCOPED_TRACE("latency " + std::to_string(latency));
    DeviceMemory memory;
    const std::uint64_t buf = memory.allocate(4096);
    Master m(memory, {.data_bits = 512, .read_latency = latency, .write_latency = 10, .max_outstanding = 4});
    m.set_ar(buf, 1);
    m.sig.rready = true;
    ASSERT_TRUE(m.step().arready);  // handshake at edge 0
    m.sig.arvalid = false;
    unsigned cycles = 1;
    while (!m.step().rvalid) {
      ++cycles;
      ASSERT_LT(cycles, latency + 10);
    }
    EXPECT_EQ(cycles, latency);  // R handshake `latency` edges after the AR handshake
  }
}

TEST(AxiMemoryModel, OutstandingReadsAreCappedAndStreamBackToBackOneBeatPerCycle) {
  DeviceMemory memory;
  const std::uint64_t buf = memory.allocate(64 * 1024);
  const auto data = pattern(64 * 1024, 1);
  memory.write(buf, data);
  constexpr unsigned kMax = 3;
  constexpr unsigned kBursts = 8;
  constexpr unsigned kBeats = 4;
  Master m(memory, {.data_bits = 512, .read_latency = 20, .write_latency = 20, .max_outstanding = kMax});

  // Hold rready low at first: AR must stop after kMax bursts.
  unsigned issued = 0;
  unsigned refused_cycles = 0;
  for (int cycle = 0; cycle < 30; ++cycle) {
    m.set_ar(buf + issued * kBeats * 64, kBeats);
    const AxiSlaveSignals seen = m.step();
    if (seen.arready) ++issued;
    else ++refused_cycles;
  }
  EXPECT_EQ(issued, kMax);
  EXPECT_GT(refused_cycles, 0u);
  EXPECT_EQ(m.model.stats().max_reads_outstanding, kMax);

  // Now take data every cycle and keep issuing: once the first beat is out,
  // beats follow one per cycle with no gap between bursts.
  m.sig.rready = true;
  std::vector<std::uint8_t> got;
  unsigned lasts = 0;
  int first_beat_cycle = -1;
  int last_beat_cycle = -1;
  for (int cycle = 0; cycle < 400 && lasts < kBursts; ++cycle) {
    if (issued < kBursts) {
      m.set_ar(buf + issued * kBeats * 64, kBeats);
    } else {
      m.sig.arvalid = false;
    }
    const AxiSlaveSignals seen = m.step();
    if (seen.arready && m.sig.arvalid) ++issued;
    if (seen.rvalid) {
      if (first_beat_cycle < 0) first_beat_cycle = cycle;
      last_beat_cycle = cycle;
      got.insert(got.end(), seen.rdata.begin(), seen.rdata.end());
      if (seen.rlast) ++lasts;
      EXPECT_EQ(seen.rlast, got.size() % (kBeats * 64) == 0);
    }
  }
  ASSERT_EQ(lasts, kBursts);
  EXPECT_EQ(got, std::vector<std::uint8_t>(data.begin(), data.begin() + kBursts * kBeats * 64));
  // The first kMax bursts were issued long ago, so their beats are back to
  // back; later bursts were issued as room freed and wait their latency.
  EXPECT_LE(m.model.stats().max_reads_outstanding, kMax);
  EXPECT_GE(last_beat_cycle - first_beat_cycle + 1, static_cast<int>(kBursts * kBeats));
  EXPECT_TRUE(m.model.idle());
}

TEST(AxiMemoryModel, WriteResponseComesWriteLatencyAfterAwAndAfterTheLastBeat) {
  DeviceMemory memory;
  const std::uint64_t buf = memory.allocate(4096);
  Master m(memory, {.data_bits = 512, .read_latency = 10, .write_latency = 30, .max_outstanding = 4});
  m.set_aw(buf, 2);
  m.sig.bready = true;
  ASSERT_TRUE(m.step().awready);  // AW at edge 0
  m.sig.awvalid = false;
  const auto beat0 = pattern(64, 10);
  const auto beat1 = pattern(64, 20);
  m.sig.wvalid = true;
  m.sig.wdata = beat0;
  m.sig.wstrb.assign(64, true);
  m.sig.wlast = false;
  ASSERT_TRUE(m.step().wready);
  m.sig.wdata = beat1;
  m.sig.wlast = true;
  ASSERT_TRUE(m.step().wready);
  m.sig.wvalid = false;
  unsigned cycle = 3;
  while (!m.step().bvalid) {
    ++cycle;
    ASSERT_LT(cycle, 100u);
  }
  EXPECT_EQ(cycle, 30u);
  std::vector<std::uint8_t> out(128);
  memory.read(buf, out);
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + 64), beat0);
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin() + 64, out.end()), beat1);
  EXPECT_TRUE(m.model.idle());
}

TEST(AxiMemoryModel, WriteStrobesWriteOnlyTheEnabledBytes) {
  DeviceMemory memory;
  const std::uint64_t buf = memory.allocate(4096);
  memory.fill(buf, 64, 0xee);
  Master m(memory, {.data_bits = 512, .read_latency = 1, .write_latency = 1, .max_outstanding = 1});
  m.set_aw(buf, 1);
  m.step();
  m.sig.awvalid = false;
  m.sig.wvalid = true;
  m.sig.wlast = true;
  m.sig.wdata = pattern(64, 0);
  for (unsigned i = 0; i < 64; ++i) m.sig.wstrb[i] = i % 3 == 0;
  ASSERT_TRUE(m.step().wready);
  std::vector<std::uint8_t> out(64);
  memory.read(buf, out);
  for (unsigned i = 0; i < 64; ++i) {
    EXPECT_EQ(out[i], i % 3 == 0 ? m.sig.wdata[i] : 0xee) << "byte " << i;
  }
}

TEST(AxiMemoryModel, AwBackpressureHoldsAtMaxOutstandingUntilResponsesAreTaken) {
  DeviceMemory memory;
  const std::uint64_t buf = memory.allocate(4096);
  Master m(memory, {.data_bits = 512, .read_latency = 1, .write_latency = 2, .max_outstanding = 2});
  m.sig.bready = false;
  unsigned accepted = 0;
  for (int cycle = 0; cycle < 10; ++cycle) {
    m.set_aw(buf + 64 * accepted, 1);
    m.sig.wvalid = true;
    m.sig.wlast = true;
    m.sig.wstrb.assign(64, true);
    const AxiSlaveSignals seen = m.step();
    if (seen.awready) ++accepted;
  }
  EXPECT_EQ(accepted, 2u);
  m.sig.awvalid = false;
  m.sig.wvalid = false;
  m.sig.bready = true;
  unsigned responses = 0;
  for (int cycle = 0; cycle < 10; ++cycle) responses += m.step().bvalid;
  EXPECT_EQ(responses, 2u);
  EXPECT_TRUE(m.model.idle());
}

class AxiMemoryModelWidth : public ::testing::TestWithParam<unsigned> {};

TEST_P(AxiMemoryModelWidth, BurstsOfThisWidthReadAndWriteTheRightBytes) {
  const unsigned bits = GetParam();
  const unsigned bytes = bits / 8;
  DeviceMemory memory;
  const std::uint64_t buf = memory.allocate(8192);
  const auto data = pattern(4096, 5);
  memory.write(buf, data);
  Master m(memory, {.data_bits = bits, .read_latency = 3, .write_latency = 3, .max_outstanding = 2});
  EXPECT_EQ(m.model.beat_bytes(), bytes);

  // Read 4 beats from the middle of the page.
  const std::uint64_t at = buf + 4 * bytes;
  m.set_ar(at, 4);
  m.sig.rready = true;
  m.step();
  m.sig.arvalid = false;
  std::vector<std::uint8_t> got;
  for (int cycle = 0; cycle < 20; ++cycle) {
    const AxiSlaveSignals seen = m.step();
    ASSERT_EQ(seen.rdata.size(), bytes);
    if (seen.rvalid) got.insert(got.end(), seen.rdata.begin(), seen.rdata.end());
  }
  EXPECT_EQ(got, std::vector<std::uint8_t>(data.begin() + 4 * bytes, data.begin() + 8 * bytes));

  // Write 3 beats into the second page.
  const std::uint64_t wat = buf + 4096 + bytes;
  m.set_aw(wat, 3);
  m.step();
  m.sig.awvalid = false;
  const auto wdata = pattern(3 * bytes, 99);
  for (unsigned beat = 0; beat < 3;) {
    m.sig.wvalid = true;
    m.sig.wdata.assign(wdata.begin() + beat * bytes, wdata.begin() + (beat + 1) * bytes);
    m.sig.wstrb.assign(bytes, true);
    m.sig.wlast = beat == 2;
    if (m.step().wready) ++beat;
  }
  std::vector<std::uint8_t> out(3 * bytes);
  memory.read(wat, out);
  EXPECT_EQ(out, wdata);
}

INSTANTIATE_TEST_SUITE_P(Widths, AxiMemoryModelWidth, ::testing::Values(32u, 64u, 128u, 256u, 512u, 1024u));

TEST(AxiMemoryModel, ProtocolViolationsThrow) {
  DeviceMemory memory;
  const std::uint64_t buf = memory.allocate(8192);
  const MemoryModelConfig config{.data_bits = 512, .read_latency = 2, .write_latency = 2, .max_outstanding = 4};
  {
    Master m(memory, config);
    m.set_ar(buf + 4096 - 64, 2);  // crosses 4 KiB
    EXPECT_THROW(m.step(), std::logic_error);
  }
  {
    Master m(memory, config);
    m.set_ar(buf + 32, 1);  // not beat aligned
    EXPECT_THROW(m.step(), std::logic_error);
  }
  {
    Master m(memory, config);
    m.set_ar(buf, 1);
    m.sig.arsize = 5;  // 32-byte beats on a 64-byte bus
    EXPECT_THROW(m.step(), std::logic_error);
  }
  {
    Master m(memory, config);
    m.set_ar(buf, 1);
    m.sig.arburst = 0;  // FIXED
    EXPECT_THROW(m.step(), std::logic_error);
  }
  {
    Master m(memory, config);
    m.set_ar(buf + 8192, 1);  // past the allocated buffers
    EXPECT_THROW(m.step(), std::out_of_range);
  }
  {
    Master m(memory, config);
    m.set_aw(buf, 2);
    m.step();
    m.sig.awvalid = false;
    m.sig.wvalid = true;
    m.sig.wstrb.assign(64, true);
    m.sig.wlast = true;  // early wlast
    EXPECT_THROW(m.step(), std::logic_error);
  }
}

TEST(AxiMemoryModel, ConfigOutOfRangeIsRejected) {
  DeviceMemory memory;
  EXPECT_THROW(AxiMemoryModel(memory, {.data_bits = 48}), std::invalid_argument);
  EXPECT_THROW(AxiMemoryModel(memory, {.data_bits = 2048}), std::invalid_argument);
  EXPECT_THROW(AxiMemoryModel(memory, {.data_bits = 512, .read_latency = 0}), std::invalid_argument);
  EXPECT_THROW(AxiMemoryModel(memory, {.data_bits = 512, .read_latency = 1, .write_latency = 1, .max_outstanding = 0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace sipnic::sim
