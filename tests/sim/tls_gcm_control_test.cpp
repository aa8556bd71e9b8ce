// tls_gcm's s_axi_control through sim::KernelHarness: the Vitis register
// map of docs/kernels.md (argument registers read back, reserved words read
// 0), the ap_start / ap_ready / ap_idle / ap_done transitions with
// clear-on-read, ap_ctrl_chain's ap_continue, and the interrupt registers.
#include <Vtls_gcm.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sim/kernel_harness.h"

namespace sipnic::sim {
namespace {

using Harness = KernelHarness<Vtls_gcm>;

constexpr std::uint32_t kArgKeys = 0x10;
constexpr std::uint32_t kArgJobs = 0x1C;
constexpr std::uint32_t kArgPayload = 0x28;
constexpr std::uint32_t kArgResults = 0x34;
constexpr std::uint32_t kArgJobCount = 0x40;
constexpr std::uint32_t kArgKeySlots = 0x48;
constexpr std::uint32_t kArgPayloadBytes = 0x50;

// One AES-128 encrypt job over `length` bytes, laid out in device memory in
// the formats of host/offload/gcm_engine.h (written byte by byte here so
// that this test does not depend on the host library).
struct OneJobBatch {
  std::uint64_t keys, jobs, payload, results;
  std::uint32_t length;
};

OneJobBatch one_job_batch(Harness& h, std::uint32_t length) {
  DeviceMemory& m = h.memory();
  OneJobBatch b{m.allocate(64), m.allocate(64), m.allocate(length), m.allocate(32), length};
  std::vector<std::uint8_t> key(64, 0);
  for (int i = 0; i < 16; ++i) key[i] = static_cast<std::uint8_t>(i);
  key[32] = 16;  // key_bytes
  m.write(b.keys, key);
  std::vector<std::uint8_t> job(64, 0);
  job[8] = static_cast<std::uint8_t>(length);  // length (little-endian u32)
  job[9] = static_cast<std::uint8_t>(length >> 8);
  job[10] = static_cast<std::uint8_t>(length >> 16);
  job[11] = static_cast<std::uint8_t>(length >> 24);
  m.write(b.jobs, job);
  return b;
}

void write_args(Harness& h, const OneJobBatch& b, std::uint32_t job_count) {
  h.write_reg64(kArgKeys, b.keys);
  h.write_reg64(kArgJobs, b.jobs);
  h.write_reg64(kArgPayload, b.payload);
  h.write_reg64(kArgResults, b.results);
  h.write_reg(kArgJobCount, job_count);
  h.write_reg(kArgKeySlots, 1);
  h.write_reg(kArgPayloadBytes, b.length);
}

TEST(TlsGcmControl, AfterResetTheKernelIsIdleWithNothingPending) {
  Harness h;
  EXPECT_EQ(h.read_reg(kRegControl), kApIdle);
  EXPECT_EQ(h.read_reg(kRegGie), 0u);
  EXPECT_EQ(h.read_reg(kRegIer), 0u);
  EXPECT_EQ(h.read_reg(kRegIsr), 0u);
  EXPECT_FALSE(h.interrupt());
}

TEST(TlsGcmControl, ArgumentRegistersReadBackAndReservedWordsReadZero) {
  Harness h;
  // Every word from 0x10 to 0x7C: the mapped ones keep what was written,
  // the reserved and unmapped ones read 0 even after a write.
  const std::vector<std::uint32_t> mapped = {kArgKeys,    kArgKeys + 4,    kArgJobs,    kArgJobs + 4,
                                             kArgPayload, kArgPayload + 4, kArgResults, kArgResults + 4,
                                             kArgJobCount, kArgKeySlots,   kArgPayloadBytes};
  for (std::uint32_t addr = 0x10; addr < 0x80; addr += 4) h.write_reg(addr, 0xA5000000u | addr);
  for (std::uint32_t addr = 0x10; addr < 0x80; addr += 4) {
    const bool is_mapped = std::find(mapped.begin(), mapped.end(), addr) != mapped.end();
    EXPECT_EQ(h.read_reg(addr), is_mapped ? (0xA5000000u | addr) : 0u) << "register 0x" << std::hex << addr;
  }
  // A second write replaces the value (no stickiness).
  h.write_reg(kArgJobCount, 7);
  EXPECT_EQ(h.read_reg(kArgJobCount), 7u);
}

TEST(TlsGcmControl, EmptyBatchRunsToDoneAndDoneAndReadyClearOnRead) {
  Harness h;
  const OneJobBatch b = one_job_batch(h, 64);
  write_args(h, b, 0);
  h.start();
  // Let the run finish (no jobs: a few cycles), then read the status once.
  for (int i = 0; i < 20; ++i) h.tick();
  const std::uint32_t first = h.read_reg(kRegControl);
  EXPECT_EQ(first & kApStart, 0u) << "ap_start must clear when the start is taken";
  EXPECT_NE(first & kApReady, 0u);
  EXPECT_NE(first & kApDone, 0u);
  EXPECT_NE(first & kApIdle, 0u);
  const std::uint32_t second = h.read_reg(kRegControl);
  EXPECT_EQ(second & (kApDone | kApReady), 0u) << "ap_done and ap_ready are clear-on-read";
  EXPECT_NE(second & kApIdle, 0u) << "ap_idle is not clear-on-read";
}

TEST(TlsGcmControl, ARunIsNotIdleUntilDoneAndHoldsNextStartUntilApContinue) {
  Harness h;
  const OneJobBatch b = one_job_batch(h, 16 * 1024);
  write_args(h, b, 1);
  h.start();
  const std::uint32_t running = h.read_reg(kRegControl);
  EXPECT_EQ(running & kApIdle, 0u) << "busy right after the start";
  EXPECT_EQ(running & kApDone, 0u);
  EXPECT_EQ(running & kApStart, 0u);
  EXPECT_NE(running & kApReady, 0u);

  // Poll until done, as XRT does; every poll before done shows busy.
  std::uint32_t status = 0;
  int polls = 0;
  while (((status = h.read_reg(kRegControl)) & kApDone) == 0) {
    EXPECT_EQ(status & kApIdle, 0u);
    ASSERT_LT(++polls, 100000);
  }
  EXPECT_NE(status & kApIdle, 0u);
  EXPECT_GT(polls, 10) << "a 16 KiB job takes more than a few polls";
  // The job ran: the result record says kOk (status byte 0 of 32 bytes,
  // tag not all zero).
  std::vector<std::uint8_t> result(32);
  h.memory().read(b.results, result);
  EXPECT_EQ(result[0], 0);
  EXPECT_NE(std::vector<std::uint8_t>(result.begin() + 16, result.end()), std::vector<std::uint8_t>(16, 0));

  // ap_ctrl_chain: without ap_continue a new start stays pending.
  h.write_reg(kRegControl, kApStart);
  for (int i = 0; i < 20; ++i) h.tick();
  status = h.read_reg(kRegControl);
  EXPECT_NE(status & kApStart, 0u) << "start must wait for ap_continue";
  EXPECT_NE(status & kApIdle, 0u);
  h.write_reg(kRegControl, kApContinue);
  for (int i = 0; i < 5; ++i) h.tick();
  status = h.read_reg(kRegControl);
  EXPECT_EQ(status & kApStart, 0u) << "the pending start is taken after ap_continue";
  EXPECT_NE(status & kApReady, 0u);
  h.wait_done(1'000'000);
}

TEST(TlsGcmControl, InterruptFollowsGieIerAndIsrAndIsrTogglesOnWrite) {
  Harness h;
  const OneJobBatch b = one_job_batch(h, 64);
  write_args(h, b, 0);
  h.write_reg(kRegIer, 0x3);
  EXPECT_EQ(h.read_reg(kRegIer), 0x3u);
  h.start();
  for (int i = 0; i < 20; ++i) h.tick();
  EXPECT_EQ(h.read_reg(kRegIsr), 0x3u) << "done and ready events latched";
  EXPECT_FALSE(h.interrupt()) << "GIE is off";
  h.write_reg(kRegGie, 1);
  h.tick();
  EXPECT_TRUE(h.interrupt());
  h.write_reg(kRegIsr, 0x1);  // toggle: clears done
  EXPECT_EQ(h.read_reg(kRegIsr), 0x2u);
  EXPECT_TRUE(h.interrupt()) << "ready still pending";
  h.write_reg(kRegIsr, 0x2);
  EXPECT_EQ(h.read_reg(kRegIsr), 0x0u);
  EXPECT_FALSE(h.interrupt());

  // With IER 0 events do not latch.
  h.write_reg(kRegControl, kApContinue);
  h.write_reg(kRegIer, 0);
  h.start();
  for (int i = 0; i < 20; ++i) h.tick();
  EXPECT_EQ(h.read_reg(kRegIsr), 0u);
  EXPECT_FALSE(h.interrupt());
}

TEST(TlsGcmControl, AutoRestartBitReadsBack) {
  Harness h;
  h.write_reg(kRegControl, kAutoRestart);
  EXPECT_EQ(h.read_reg(kRegControl) & kAutoRestart, kAutoRestart);
  h.write_reg(kRegControl, 0);
  EXPECT_EQ(h.read_reg(kRegControl) & kAutoRestart, 0u);
}

TEST(TlsGcmControl, HarnessRejectsAMemoryWidthOtherThanTheKernels) {
  EXPECT_THROW(Harness(MemoryModelConfig{.data_bits = 256}), std::invalid_argument);
}

}  // namespace
}  // namespace sipnic::sim
