// The kernels' s_axi_control register maps (docs/kernels.md, "Common to both
// kernels", "tls_gcm", "sip_parse", and for the HLS kernels of hls/ "HLS
// kernels": "hdlc", "tdm_mux", "tdm_framer"): the one source of every
// argument's register offset, size and kind. The xrt backend checks an xclbin
// against it, the sim engines and tests/sim write their registers from it, and
// tests/unit/offload/kernel_registers_test.cpp fails when
// bitstreams/<kernel>/kernel.xml, the RTL's ARG_WORDS / ARG_MAPPED and
// argument slices (RTL kernels), the top function's arguments and INTERFACE
// pragmas (HLS kernels), or the docs' tables say otherwise. Header-only, no
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

// ---- the HLS kernels of hls/ (the TDM datapath) ----------------------------
//
// Their control blocks are the ones Vitis HLS generates for the top
// functions' `#pragma HLS INTERFACE` lines: ap_ctrl_chain at 0x00, GIE / IER /
// ISR, then the arguments from kFirstArgOffset in argument order, a 64-bit
// pointer in three words and a 32-bit scalar in two, as the RTL kernels have
// them (follows_vitis_layout below). Vitis HLS sizes the address port to the
// registers, hence a control address width per kernel: 7 bits where the
// arguments end below 0x80, 8 for hdlc's 16 arguments (up to 0xB7). These
// tables are that rule applied to the signatures in hls/<kernel>/<kernel>.cpp;
// the xrt backend refuses an xclbin whose v++ -c metadata says otherwise.

enum TdmFramerArg : int {
  kTdmFramerControls = 0,
  kTdmFramerTransmitPayload = 1,
  kTdmFramerTransmitLine = 2,
  kTdmFramerReceiveLine = 3,
  kTdmFramerReceivePayload = 4,
  kTdmFramerStates = 5,
  kTdmFramerStatuses = 6,
  kTdmFramerSpanCount = 7,
};
enum TdmMuxArg : int {
  kTdmMuxReceiveFrames = 0,
  kTdmMuxReceiveTimeslots = 1,
  kTdmMuxReceiveDchannels = 2,
  kTdmMuxTransmitTimeslots = 3,
  kTdmMuxTransmitDchannels = 4,
  kTdmMuxTransmitFrames = 5,
  kTdmMuxSpans = 6,
  kTdmMuxSpanCount = 7,
};
enum HdlcArg : int {
  kHdlcReceiveLine = 0,
  kHdlcReceiveStates = 1,
  kHdlcReceivedFrames = 2,
  kHdlcReceivedOctets = 3,
  kHdlcReceiveSummary = 4,
  kHdlcTransmitRequests = 5,
  kHdlcTransmitOctets = 6,
  kHdlcTransmitStates = 7,
  kHdlcTransmitLine = 8,
  kHdlcTransmitStatus = 9,
  kHdlcChannelCount = 10,
  kHdlcMinFrameLength = 11,
  kHdlcMaxFrameLength = 12,
  kHdlcFrameCapacity = 13,
  kHdlcOctetCapacity = 14,
  kHdlcTransmitOctetBytes = 15,
};

inline constexpr std::string_view kTdmFramerKernel = "tdm_framer";
inline constexpr std::string_view kTdmMuxKernel = "tdm_mux";
inline constexpr std::string_view kHdlcKernel = "hdlc";

inline constexpr KernelArg kTdmFramerArgs[] = {
    {"controls", 0x10, 8, true},
    {"transmit_payload", 0x1C, 8, true},
    {"transmit_line", 0x28, 8, true},
    {"receive_line", 0x34, 8, true},
    {"receive_payload", 0x40, 8, true},
    {"states", 0x4C, 8, true},
    {"statuses", 0x58, 8, true},
    {"span_count", 0x64, 4, false},
};
inline constexpr KernelArg kTdmMuxArgs[] = {
    {"receive_frames", 0x10, 8, true},
    {"receive_timeslots", 0x1C, 8, true},
    {"receive_dchannels", 0x28, 8, true},
    {"transmit_timeslots", 0x34, 8, true},
    {"transmit_dchannels", 0x40, 8, true},
    {"transmit_frames", 0x4C, 8, true},
    {"spans", 0x58, 8, true},
    {"span_count", 0x64, 4, false},
};
inline constexpr KernelArg kHdlcArgs[] = {
    {"receive_line", 0x10, 8, true},
    {"receive_states", 0x1C, 8, true},
    {"received_frames", 0x28, 8, true},
    {"received_octets", 0x34, 8, true},
    {"receive_summary", 0x40, 8, true},
    {"transmit_requests", 0x4C, 8, true},
    {"transmit_octets", 0x58, 8, true},
    {"transmit_states", 0x64, 8, true},
    {"transmit_line", 0x70, 8, true},
    {"transmit_status", 0x7C, 8, true},
    {"channel_count", 0x88, 4, false},
    {"min_frame_length", 0x90, 4, false},
    {"max_frame_length", 0x98, 4, false},
    {"frame_capacity", 0xA0, 4, false},
    {"octet_capacity", 0xA8, 4, false},
    {"transmit_octet_bytes", 0xB0, 4, false},
};

inline constexpr unsigned kTdmFramerControlAddressWidth = 7;
inline constexpr unsigned kTdmMuxControlAddressWidth = 7;
inline constexpr unsigned kHdlcControlAddressWidth = 8;

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

// The end of the argument registers: the byte after the last mapped word (a
// scalar's reserved word and a pointer's third word need no decoding).
constexpr std::uint32_t arg_registers_end(std::span<const KernelArg> args) {
  std::uint32_t end = kFirstArgOffset;
  for (const KernelArg& a : args) end = a.offset + a.size > end ? a.offset + a.size : end;
  return end;
}

// The fewest control address bits that decode every argument register.
constexpr unsigned control_address_width(std::span<const KernelArg> args) {
  unsigned width = 1;
  while ((std::uint32_t{1} << width) < arg_registers_end(args)) ++width;
  return width;
}

// The Vitis layout: arguments in id order from kFirstArgOffset, each after the
// previous one's slot (12 bytes for a pointer, 8 for a scalar), inside the
// decoded address range (address_width bits).
constexpr bool follows_vitis_layout(std::span<const KernelArg> args,
                                    unsigned address_width = kControlAddressWidth) {
  std::uint32_t next = kFirstArgOffset;
  for (const KernelArg& a : args) {
    if (a.offset != next || a.size != (a.global ? 8u : 4u)) return false;
    next += a.global ? 12 : 8;
  }
  return next - 4 <= (std::uint32_t{1} << address_width);
}
static_assert(follows_vitis_layout(kTlsGcmArgs));
static_assert(follows_vitis_layout(kSipParseArgs));
static_assert(follows_vitis_layout(kTdmFramerArgs, kTdmFramerControlAddressWidth));
static_assert(follows_vitis_layout(kTdmMuxArgs, kTdmMuxControlAddressWidth));
static_assert(follows_vitis_layout(kHdlcArgs, kHdlcControlAddressWidth));
// Vitis HLS decodes no more address bits than the registers need.
static_assert(control_address_width(kTdmFramerArgs) == kTdmFramerControlAddressWidth);
static_assert(control_address_width(kTdmMuxArgs) == kTdmMuxControlAddressWidth);
static_assert(control_address_width(kHdlcArgs) == kHdlcControlAddressWidth);

}  // namespace sipnic::offload
