// Backend selection. cpu is always there; sim (the kernels' RTL under
// Verilator, sim/) and xrt (a card, through XRT) are compiled in with the
// CMake options SIPNIC_SIM and SIPNIC_XRT, which define the macros of the
// same names. Asking for a backend this build lacks fails loudly instead of
// silently running on the cpu. This file is a library of its own
// (sipnic_offload_device, CMakeLists.txt): only what picks a backend by name
// links it and, with SIPNIC_SIM, the Verilated kernels with it.
#include "offload/device.h"

#include <stdexcept>

#include "offload/cpu_gcm_engine.h"
#include "offload/cpu_sip_parse_engine.h"
#if SIPNIC_SIM
#include "offload/sim_gcm_engine.h"
#include "offload/sim_sip_parse_engine.h"
#endif
#if SIPNIC_XRT
#include "offload/xrt_device.h"
#endif

namespace sipnic::offload {
namespace {

class CpuDevice final : public Device {
 public:
  std::string_view name() const override { return "cpu"; }
  std::unique_ptr<SipParseEngine> make_sip_parse_engine(SipParseLimits limits) const override {
    return std::make_unique<CpuSipParseEngine>(limits);
  }
  std::unique_ptr<GcmEngine> make_gcm_engine(std::uint32_t key_slots) const override {
    return std::make_unique<CpuGcmEngine>(key_slots);
  }
  std::unique_ptr<TdmEngine> make_tdm_engine() const override { return std::make_unique<CpuTdmEngine>(); }
};

#if SIPNIC_SIM
// Each engine is a Verilated instance of its kernel with its own simulated
// device memory (one simulated card per worker thread).
class SimDevice final : public Device {
 public:
  std::string_view name() const override { return "sim"; }
  std::unique_ptr<SipParseEngine> make_sip_parse_engine(SipParseLimits limits) const override {
    return std::make_unique<SimSipParseEngine>(limits);
  }
  std::unique_ptr<GcmEngine> make_gcm_engine(std::uint32_t key_slots) const override {
    return std::make_unique<SimGcmEngine>(key_slots);
  }
  // The TDM kernels are HLS C++: their RTL would come out of Vitis HLS, which
  // this machine lacks, so the sim backend runs their C simulation as cpu does.
  std::unique_ptr<TdmEngine> make_tdm_engine() const override { return std::make_unique<CpuTdmEngine>(); }
};
#endif

}  // namespace

std::unique_ptr<Device> make_device(std::string_view backend, const DeviceOptions& options) {
  if (backend == "cpu") return std::make_unique<CpuDevice>();
  if (backend == "sim") {
#if SIPNIC_SIM
    return std::make_unique<SimDevice>();
#else
    throw std::runtime_error("offload backend 'sim' is not in this build (configure with -DSIPNIC_SIM=ON; "
                             "it needs Verilator)");
#endif
  }
  if (backend == "xrt") {
#if SIPNIC_XRT
    return make_xrt_device(options.xrt_device_index, options.xclbin);
#else
    (void)options;
    throw std::runtime_error("offload backend 'xrt' is not in this build (configure with -DSIPNIC_XRT=ON; "
                             "it needs libxrt-dev)");
#endif
  }
  throw std::runtime_error("unknown offload backend '" + std::string(backend) + "' (expected cpu, sim or xrt)");
}

}  // namespace sipnic::offload
