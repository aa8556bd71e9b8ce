// kernels/common/vitis_control_s_axi.sv, the s_axi_control slave of every
// kernel, through sim::KernelHarness on each Verilated kernel (tls_gcm,
// sip_parse): the Vitis register map of docs/kernels.md (the kernel's
// argument registers read back, reserved words read 0), the ap_start /
// ap_ready / ap_idle / ap_done transitions with clear-on-read, ap_ctrl_chain's
// ap_continue, and the interrupt registers. Each kernel gets a batch with no
// work and one that runs for many polls, laid out byte by byte in the formats
// of host/offload/ (so that this test does not depend on the host library;
// the register offsets come from the header-only offload/kernel_registers.h).
#include <Vsip_parse.h>
#include <Vtls_gcm.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "host/offload/kernel_registers.h"
#include "sim/kernel_harness.h"

namespace sipnic::sim {
namespace {

void put_u32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{b[at + i]} << (8 * i);
  return v;
}

// The addresses of the argument words the host writes (offload/kernel_registers.h).
std::vector<std::uint32_t> mapped_registers(std::span<const offload::KernelArg> args) {
  std::vector<std::uint32_t> out;
  for (const offload::KernelArg& a : args) {
    for (std::uint32_t w = 0; w < a.size; w += 4) out.push_back(a.offset + w);
  }
  return out;
}

// tls_gcm (docs/kernels.md "tls_gcm"): one AES-128 encrypt job of `length`
// bytes, or none.
struct TlsGcmKernel {
  using Top = Vtls_gcm;
  static constexpr std::span<const offload::KernelArg> kArgs = offload::kTlsGcmArgs;
  static constexpr std::uint32_t reg(offload::TlsGcmArg arg) { return offload::arg_offset(kArgs, arg); }

  std::uint64_t results = 0;

  // Lays out one job of `length` bytes; `jobs` 0 or 1 of it runs.
  void set_up(KernelHarness<Top>& h, std::uint32_t length, std::uint32_t jobs) {
    DeviceMemory& m = h.memory();
    const std::uint64_t keys = m.allocate(64), job_table = m.allocate(64), payload = m.allocate(length);
    results = m.allocate(32);
    std::vector<std::uint8_t> key(64, 0);
    for (int i = 0; i < 16; ++i) key[i] = static_cast<std::uint8_t>(i);
    key[32] = 16;  // key_bytes
    m.write(keys, key);
    std::vector<std::uint8_t> job(64, 0);
    put_u32(job, 8, length);
    m.write(job_table, job);
    h.write_reg64(reg(offload::kTlsGcmKeys), keys);
    h.write_reg64(reg(offload::kTlsGcmJobs), job_table);
    h.write_reg64(reg(offload::kTlsGcmPayload), payload);
    h.write_reg64(reg(offload::kTlsGcmResults), results);
    h.write_reg(reg(offload::kTlsGcmJobCount), jobs);
    h.write_reg(reg(offload::kTlsGcmKeySlots), 1);
    h.write_reg(reg(offload::kTlsGcmPayloadBytes), length);
  }
  void set_up_empty(KernelHarness<Top>& h) { set_up(h, 64, 0); }
  void set_up_long(KernelHarness<Top>& h) { set_up(h, 16 * 1024, 1); }
  // The job ran: its result says kOk (status byte 0 of 32) with a tag.
  void expect_long_done(KernelHarness<Top>& h) const {
    std::vector<std::uint8_t> result(32);
    h.memory().read(results, result);
    EXPECT_EQ(result[0], 0);
    EXPECT_NE(std::vector<std::uint8_t>(result.begin() + 16, result.end()), std::vector<std::uint8_t>(16, 0));
  }
};

// sip_parse (docs/kernels.md "sip_parse"): one stream segment of many
// OPTIONS requests, or no segment.
struct SipParseKernel {
  using Top = Vsip_parse;
  static constexpr std::span<const offload::KernelArg> kArgs = offload::kSipParseArgs;
  static constexpr std::uint32_t reg(offload::SipParseArg arg) { return offload::arg_offset(kArgs, arg); }

  std::uint64_t seg_results = 0;
  std::uint32_t messages = 0, stream_bytes = 0;

  void set_up(KernelHarness<Top>& h, std::uint32_t copies, std::uint32_t segments) {
    const std::string options =
        "OPTIONS sip:pbx.sipnic.test SIP/2.0\r\n"
        "Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-control-test\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:ping@127.0.0.1>;tag=1\r\n"
        "To: <sip:pbx.sipnic.test>\r\n"
        "Call-ID: control-test@127.0.0.1\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n";
    std::vector<std::uint8_t> bytes;
    for (std::uint32_t i = 0; i < copies; ++i) bytes.insert(bytes.end(), options.begin(), options.end());
    messages = copies;
    stream_bytes = static_cast<std::uint32_t>(bytes.size());
    // Capacities as the host sizes them (docs/kernels.md): bytes/4+1 messages, bytes/3+1 headers.
    const std::uint32_t message_capacity = stream_bytes / 4 + 1, header_capacity = stream_bytes / 3 + 1;
    DeviceMemory& m = h.memory();
    const std::uint64_t buffer = m.allocate(std::max<std::size_t>(bytes.size(), 64));
    const std::uint64_t descriptors = m.allocate(16);
    seg_results = m.allocate(32);
    const std::uint64_t message_records = m.allocate(64 * std::size_t{message_capacity});
    const std::uint64_t header_records = m.allocate(16 * std::size_t{header_capacity});
    if (!bytes.empty()) m.write(buffer, bytes);
    std::vector<std::uint8_t> descriptor(16, 0);  // offset 0 (u64), length, flags
    put_u32(descriptor, 8, stream_bytes);
    put_u32(descriptor, 12, 1);  // kSegmentStream
    m.write(descriptors, descriptor);
    h.write_reg64(reg(offload::kSipParseBytes), buffer);
    h.write_reg64(reg(offload::kSipParseSegments), descriptors);
    h.write_reg64(reg(offload::kSipParseSegmentResults), seg_results);
    h.write_reg64(reg(offload::kSipParseMessages), message_records);
    h.write_reg64(reg(offload::kSipParseHeaders), header_records);
    h.write_reg(reg(offload::kSipParseSegmentCount), segments);
    h.write_reg(reg(offload::kSipParseMaxMessageBytes), 64 * 1024);
    h.write_reg(reg(offload::kSipParseMessageCapacity), message_capacity);
    h.write_reg(reg(offload::kSipParseHeaderCapacity), header_capacity);
  }
  void set_up_empty(KernelHarness<Top>& h) { set_up(h, 1, 0); }
  void set_up_long(KernelHarness<Top>& h) { set_up(h, 80, 1); }
  // The segment was parsed: every message found, every byte consumed, no error.
  void expect_long_done(KernelHarness<Top>& h) const {
    std::vector<std::uint8_t> result(32);
    h.memory().read(seg_results, result);
    EXPECT_EQ(get_u32(result, 4), messages) << "message_count";
    EXPECT_EQ(get_u32(result, 8), stream_bytes) << "consumed";
    EXPECT_EQ(result[16], 0) << "error";
  }
};

template <class Kernel>
class VitisControl : public ::testing::Test {
 protected:
  using Harness = KernelHarness<typename Kernel::Top>;
  Harness h;
  Kernel kernel;
};

using Kernels = ::testing::Types<TlsGcmKernel, SipParseKernel>;
class KernelName {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, TlsGcmKernel> ? "tls_gcm" : "sip_parse";
  }
};
TYPED_TEST_SUITE(VitisControl, Kernels, KernelName);

TYPED_TEST(VitisControl, AfterResetTheKernelIsIdleWithNothingPending) {
  auto& h = this->h;
  EXPECT_EQ(h.read_reg(kRegControl), kApIdle);
  EXPECT_EQ(h.read_reg(kRegGie), 0u);
  EXPECT_EQ(h.read_reg(kRegIer), 0u);
  EXPECT_EQ(h.read_reg(kRegIsr), 0u);
  EXPECT_FALSE(h.interrupt());
}

TYPED_TEST(VitisControl, ArgumentRegistersReadBackAndReservedWordsReadZero) {
  auto& h = this->h;
  // Every word from 0x10 to 0x7C: the mapped ones keep what was written,
  // the reserved and unmapped ones read 0 even after a write.
  const std::vector<std::uint32_t> mapped = mapped_registers(TypeParam::kArgs);
  for (std::uint32_t addr = offload::kFirstArgOffset; addr < offload::kControlAddressBytes; addr += 4)
    h.write_reg(addr, 0xA5000000u | addr);
  for (std::uint32_t addr = offload::kFirstArgOffset; addr < offload::kControlAddressBytes; addr += 4) {
    const bool is_mapped = std::find(mapped.begin(), mapped.end(), addr) != mapped.end();
    EXPECT_EQ(h.read_reg(addr), is_mapped ? (0xA5000000u | addr) : 0u) << "register 0x" << std::hex << addr;
  }
  // A second write replaces the value (no stickiness).
  h.write_reg(mapped.back(), 7);
  EXPECT_EQ(h.read_reg(mapped.back()), 7u);
  // Byte strobes: a write of one byte lane changes only that byte.
  h.write_reg(mapped.front(), 0x11223344u);
  h.write_reg(mapped.front(), 0xAABBCCDDu, 0b0100);
  EXPECT_EQ(h.read_reg(mapped.front()), 0x11BB3344u);
}

TYPED_TEST(VitisControl, EmptyBatchRunsToDoneAndDoneAndReadyClearOnRead) {
  auto& h = this->h;
  this->kernel.set_up_empty(h);
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

TYPED_TEST(VitisControl, ARunIsNotIdleUntilDoneAndHoldsNextStartUntilApContinue) {
  auto& h = this->h;
  this->kernel.set_up_long(h);
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
  EXPECT_GT(polls, 10) << "the long batch takes more than a few polls";
  this->kernel.expect_long_done(h);

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

TYPED_TEST(VitisControl, InterruptFollowsGieIerAndIsrAndIsrTogglesOnWrite) {
  auto& h = this->h;
  this->kernel.set_up_empty(h);
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

TYPED_TEST(VitisControl, AutoRestartBitReadsBack) {
  auto& h = this->h;
  h.write_reg(kRegControl, kAutoRestart);
  EXPECT_EQ(h.read_reg(kRegControl) & kAutoRestart, kAutoRestart);
  h.write_reg(kRegControl, 0);
  EXPECT_EQ(h.read_reg(kRegControl) & kAutoRestart, 0u);
}

TEST(VitisControlHarness, RejectsAMemoryWidthOtherThanTheKernels) {
  EXPECT_THROW(KernelHarness<Vtls_gcm>(MemoryModelConfig{.data_bits = 256}), std::invalid_argument);
  EXPECT_THROW(KernelHarness<Vsip_parse>(MemoryModelConfig{.data_bits = 128}), std::invalid_argument);
}

}  // namespace
}  // namespace sipnic::sim
