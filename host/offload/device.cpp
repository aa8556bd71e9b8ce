// Backend selection. Only the cpu backend exists in this build; the sim
// (Verilator) and xrt (card) backends come with the kernels, and until then
// asking for them fails loudly instead of silently running on the cpu.
#include "offload/device.h"

#include <stdexcept>

#include "offload/cpu_gcm_engine.h"
#include "offload/cpu_sip_parse_engine.h"

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
};

}  // namespace

std::unique_ptr<Device> make_device(std::string_view backend) {
  if (backend == "cpu") return std::make_unique<CpuDevice>();
  if (backend == "sim" || backend == "xrt") {
    throw std::runtime_error("offload backend '" + std::string(backend) +
                             "' is not available in this build yet (only 'cpu' is)");
  }
  throw std::runtime_error("unknown offload backend '" + std::string(backend) +
                              "' (expected cpu, sim or xrt)");
}

}  // namespace sipnic::offload
