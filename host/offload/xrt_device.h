// The xrt backend of offload::Device: the tls_gcm and sip_parse RTL kernels
// of kernels/ on an Alveo card, through XRT's native C++ API (xrt::device,
// xrt::xclbin, xrt::kernel, xrt::bo, xrt::run). docs/kernels.md is the
// contract (argument offsets, memory formats); docs/xclbin.md says how to
// build the .xclbin and set up a card.
//
// This header needs no XRT headers, so that device.cpp can include it; it is
// compiled in only with SIPNIC_XRT (CMake option, on when libxrt-dev is
// found), and then the macro SIPNIC_XRT is 1. The engines and the loaded
// device state (XRT types) are in xrt_context.h, xrt_gcm_engine.h and
// xrt_sip_parse_engine.h.
#pragma once

#include <memory>
#include <string>

#include "offload/device.h"

namespace sipnic::offload {

// Opens XRT device `device_index` (xbutil examine lists them), loads the
// xclbin at `xclbin_path` onto it and binds its kernels. The xclbin must
// hold tls_gcm, sip_parse, the TDM kernels (tdm_framer, tdm_mux and hdlc,
// all three) or any of these, each with exactly the register map of
// docs/kernels.md and ap_ctrl_chain control; asking the device for an engine
// whose kernel the xclbin lacks throws std::runtime_error.
//
// Throws std::runtime_error with a message that names the device index or
// the xclbin path and carries XRT's own error text: no such device (no card,
// driver not loaded, index out of range), unreadable xclbin, an xclbin whose
// kernel metadata differs from the contract, or a failed download.
std::unique_ptr<Device> make_xrt_device(unsigned device_index, std::string xclbin_path);

}  // namespace sipnic::offload
