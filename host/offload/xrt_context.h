// The xrt backend's view of one loaded card: the XRT device, the xclbin and
// its kernels, shared (by std::shared_ptr) by the Device and every engine it
// made, so engines stay valid if the Device goes first. open_xrt_context
// checks the xclbin's metadata against the register maps of
// offload/kernel_registers.h before it downloads anything.
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

#include "offload/kernel_registers.h"

namespace sipnic::offload {

struct XrtContext {
  unsigned device_index = 0;
  std::string xclbin_path;
  xrt::device device;
  xrt::xclbin xclbin;
  xrt::uuid uuid;
  // Empty (see has_tls_gcm / has_sip_parse / has_tdm) when the xclbin lacks
  // the kernel.
  xrt::kernel tls_gcm;
  xrt::kernel sip_parse;
  // The TDM datapath (hls/), opened whichever of the three the xclbin has;
  // XrtTdmEngine needs all three.
  xrt::kernel tdm_framer;
  xrt::kernel tdm_mux;
  xrt::kernel hdlc;
  // How long one run may take before the engine gives up on it (and on
  // itself: a run that did not finish may still write its buffers).
  std::chrono::milliseconds run_timeout{10000};

  // XRT 2.13's xrt::kernel has no operator bool; an empty one has no handle.
  bool has_tls_gcm() const { return static_cast<bool>(tls_gcm.get_handle()); }
  bool has_sip_parse() const { return static_cast<bool>(sip_parse.get_handle()); }
  bool has_tdm() const { return missing_tdm_kernels().empty(); }
  // "tdm_mux, hdlc": the TDM kernels the xclbin lacks, in datapath order
  // (empty when it has all three).
  std::string missing_tdm_kernels() const;
};

// Opens the device, reads the xclbin, checks the metadata of every kernel it
// knows that the xclbin has (tls_gcm, sip_parse, tdm_framer, tdm_mux, hdlc)
// against kernel_registers.h (names, offsets, sizes, pointer/scalar,
// ap_ctrl_chain), downloads the xclbin and opens those kernels. Throws
// std::runtime_error (see make_xrt_device in xrt_device.h for the cases).
std::shared_ptr<const XrtContext> open_xrt_context(unsigned device_index, const std::string& xclbin_path);

// Checks one kernel of an xclbin against its contract; throws
// std::runtime_error naming the xclbin path, the kernel and the first
// difference. Returns false if the xclbin has no kernel of that name.
bool check_xrt_kernel(const xrt::xclbin& xclbin, std::string_view kernel_name,
                      std::span<const KernelArg> contract, const std::string& xclbin_path);

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
