// The xrt backend's view of one loaded card: the XRT device, the xclbin and
// its kernels, shared (by std::shared_ptr) by the Device and every engine it
// made, so engines stay valid if the Device goes first. Also the kernel
// contract of docs/kernels.md as data, which open_xrt_context checks the
// xclbin's metadata against before it downloads anything.
//
// Needs XRT's headers (the XRT::coreutil CMake target); only built with
// SIPNIC_XRT.
#pragma once

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>
#include <experimental/xrt_xclbin.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace sipnic::offload {

// One kernel argument as docs/kernels.md defines it: register offset in
// s_axi_control, size in bytes of the value the host writes there (8 for a
// 64-bit device address, 4 for a u32), and whether it is a pointer into
// device memory (reached through m_axi_gmem) or a scalar.
struct XrtArgContract {
  std::string_view name;
  std::uint32_t offset;
  std::uint32_t size;
  bool global;
};

// Argument indices (the `id` of bitstreams/<kernel>/kernel.xml).
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

inline constexpr XrtArgContract kTlsGcmContract[] = {
    {"keys", 0x10, 8, true},      {"jobs", 0x1C, 8, true},      {"payload", 0x28, 8, true},
    {"results", 0x34, 8, true},   {"job_count", 0x40, 4, false}, {"key_slots", 0x48, 4, false},
    {"payload_bytes", 0x50, 4, false},
};
inline constexpr XrtArgContract kSipParseContract[] = {
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

struct XrtContext {
  unsigned device_index = 0;
  std::string xclbin_path;
  xrt::device device;
  xrt::xclbin xclbin;
  xrt::uuid uuid;
  // Empty (see has_tls_gcm / has_sip_parse) when the xclbin lacks the kernel.
  xrt::kernel tls_gcm;
  xrt::kernel sip_parse;
  // How long one run may take before the engine gives up on it (and on
  // itself: a run that did not finish may still write its buffers).
  std::chrono::milliseconds run_timeout{10000};

  // XRT 2.13's xrt::kernel has no operator bool; an empty one has no handle.
  bool has_tls_gcm() const { return static_cast<bool>(tls_gcm.get_handle()); }
  bool has_sip_parse() const { return static_cast<bool>(sip_parse.get_handle()); }
};

// Opens the device, reads the xclbin, checks both kernels' metadata against
// the contract above (names, offsets, sizes, pointer/scalar, ap_ctrl_chain),
// downloads the xclbin and opens the kernels. Throws std::runtime_error (see
// make_xrt_device in xrt_device.h for the cases).
std::shared_ptr<const XrtContext> open_xrt_context(unsigned device_index, const std::string& xclbin_path);

// Checks one kernel of an xclbin against its contract; throws
// std::runtime_error naming the xclbin path, the kernel and the first
// difference. Returns false if the xclbin has no kernel of that name.
bool check_xrt_kernel(const xrt::xclbin& xclbin, std::string_view kernel_name,
                      std::span<const XrtArgContract> contract, const std::string& xclbin_path);

// A device buffer that grows on demand and is reused across batches, with its
// host-side mapping. Grows to the next 4 KiB multiple, at least doubling, so a
// steady stream of batches stops allocating.
struct XrtBuffer {
  xrt::bo bo;
  std::uint8_t* host = nullptr;
  std::size_t capacity = 0;

  // Makes room for `bytes` (at least one page) in memory group `group`;
  // contents are not kept when it grows.
  void reserve(const xrt::device& device, int group, std::size_t bytes);
  // bo.sync of the first `bytes` bytes (nothing for 0).
  void to_device(std::size_t bytes, std::size_t offset = 0);
  void from_device(std::size_t bytes, std::size_t offset = 0);
};

// Sets nothing; starts `run` and waits up to `timeout`. Throws
// std::runtime_error naming the kernel and the final ert_cmd_state unless the
// run completed.
void xrt_start_and_wait(xrt::run& run, std::string_view kernel_name, std::chrono::milliseconds timeout);

// "COMPLETED", "ERROR", ... for messages.
std::string_view ert_state_name(ert_cmd_state state);

}  // namespace sipnic::offload
