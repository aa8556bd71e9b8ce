// The kernels' s_axi_control register maps (docs/kernels.md, "Common to both
// kernels", "tls_gcm", "sip_parse"): the one source of every argument's
// register offset, size and kind. The xrt backend checks an xclbin against
// it, the sim engines and tests/sim write their registers from it, and
// tests/unit/offload/kernel_registers_test.cpp fails when
// bitstreams/<kernel>/kernel.xml, the RTL's ARG_WORDS / ARG_MAPPED and
// argument slices, or the docs' tables say otherwise. Header-only, no
// dependencies: the sim harness tests include it without the host library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipnic::offload {

// One kernel argument: its register offset in s_axi_control, the size in
// bytes of the value the host writes there (8 for a 64-bit device address, 4
// for a u32), and whether it is a pointer into device memory (reached
// through m_axi_gmem, kernel.xml addressQualifier 1) or a scalar.
struct KernelArg {
  std::string_view name;
  std::uint32_t offset;
  std::uint32_t size;
  bool global;
};

// The Vitis control block (kernels/common/vitis_control_s_axi.sv): control,
// GIE, IER, ISR at 0x00-0x0C (sim/kernel_harness.h drives them), then the
// argument words.
inline constexpr std::uint32_t kFirstArgOffset = 0x10;
// Address bits the slave decodes (C_S_AXI_CONTROL_ADDR_WIDTH of every kernel).
inline constexpr unsigned kControlAddressWidth = 7;
inline constexpr std::uint32_t kControlAddressBytes = 1u << kControlAddressWidth;

// Argument indices (the `id` of bitstreams/<kernel>/kernel.xml, the index
// into the tables below).
enum TlsGcmArg : int {
  kTlsGcmKeys = 0,
  kTlsGcmJobs = 1,
  kTlsGcmPayload = 2,
  kTlsGcmResults = 3,
  kTlsGcmJobCount = 4,
  kTlsGcmKeySlots = 5,
  kTlsGcmPayloadBytes = 6,
};
enum SipParseArg : int {
  kSipParseBytes = 0,
  kSipParseSegments = 1,
  kSipParseSegmentResults = 2,
  kSipParseMessages = 3,
  kSipParseHeaders = 4,
  kSipParseSegmentCount = 5,
  kSipParseMaxMessageBytes = 6,
  kSipParseMessageCapacity = 7,
  kSipParseHeaderCapacity = 8,
};

inline constexpr std::string_view kTlsGcmKernel = "tls_gcm";
inline constexpr std::string_view kSipParseKernel = "sip_parse";

inline constexpr KernelArg kTlsGcmArgs[] = {
    {"keys", 0x10, 8, true},
    {"jobs", 0x1C, 8, true},
    {"payload", 0x28, 8, true},
    {"results", 0x34, 8, true},
    {"job_count", 0x40, 4, false},
    {"key_slots", 0x48, 4, false},
    {"payload_bytes", 0x50, 4, false},
};
inline constexpr KernelArg kSipParseArgs[] = {
    {"bytes", 0x10, 8, true},
    {"segments", 0x1C, 8, true},
    {"segment_results", 0x28, 8, true},
    {"messages", 0x34, 8, true},
    {"headers", 0x40, 8, true},
    {"segment_count", 0x4C, 4, false},
    {"max_message_bytes", 0x54, 4, false},
    {"message_capacity", 0x5C, 4, false},
    {"header_capacity", 0x64, 4, false},
};

// The register offset of argument `id` of a table above.
constexpr std::uint32_t arg_offset(std::span<const KernelArg> args, int id) {
  return args[static_cast<std::size_t>(id)].offset;
}

// Bit i set: argument word i (at kFirstArgOffset + 4*i) holds a value the host
// writes, as the RTL's ARG_MAPPED must say (a pointer's third word and a
// scalar's second word are reserved).
constexpr std::uint64_t arg_mapped_words(std::span<const KernelArg> args) {
  std::uint64_t mask = 0;
  for (const KernelArg& a : args) {
    for (std::uint32_t w = 0; w < a.size / 4; ++w) mask |= std::uint64_t{1} << ((a.offset - kFirstArgOffset) / 4 + w);
  }
  return mask;
}

// The Vitis layout: arguments in id order from kFirstArgOffset, each after the
// previous one's slot (12 bytes for a pointer, 8 for a scalar), inside the
// decoded address range.
constexpr bool follows_vitis_layout(std::span<const KernelArg> args) {
  std::uint32_t next = kFirstArgOffset;
  for (const KernelArg& a : args) {
    if (a.offset != next || a.size != (a.global ? 8u : 4u)) return false;
    next += a.global ? 12 : 8;
  }
  return next - 4 <= kControlAddressBytes;
}
static_assert(follows_vitis_layout(kTlsGcmArgs));
static_assert(follows_vitis_layout(kSipParseArgs));

}  // namespace sipnic::offload
