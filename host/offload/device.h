// offload::Device: one backend of the offload engines (cpu | sim | xrt). The
// host picks one by name at start-up and asks it for engines; everything above
// the offload layer talks to the engine interfaces only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "offload/gcm_engine.h"
#include "offload/sip_parse_engine.h"
#include "offload/tdm_engine.h"

namespace sipnic::offload {

class Device {
 public:
  virtual ~Device() = default;
  // "cpu", "sim" or "xrt".
  virtual std::string_view name() const = 0;
  // A new engine; one per worker thread (engines keep scratch state).
  virtual std::unique_ptr<SipParseEngine> make_sip_parse_engine(SipParseLimits limits) const = 0;
  // A new AES-GCM engine with a key table of `key_slots` slots; one per
  // worker thread (engines are not thread-safe, and keys are per engine).
  virtual std::unique_ptr<GcmEngine> make_gcm_engine(std::uint32_t key_slots) const = 0;
  // A new TDM engine (the HLS kernels tdm_framer, tdm_mux, hdlc) for the
  // line spans of one worker thread. cpu and sim: their C simulation.
  virtual std::unique_ptr<TdmEngine> make_tdm_engine() const = 0;
};

// Where a backend finds its hardware.
struct DeviceOptions {
  unsigned xrt_device_index = 0;  // xrt: the card (`xbutil examine` lists them)
  std::string xclbin;             // xrt: the .xclbin holding tls_gcm and sip_parse
};

// The device for a backend name: "cpu" always; "sim" (the RTL under
// Verilator) and "xrt" (a card) when this build has them. Throws
// std::runtime_error saying why otherwise: a backend this build lacks, no
// card at that index (with XRT's own error), an unusable xclbin, or a name
// that is none of cpu, sim, xrt.
std::unique_ptr<Device> make_device(std::string_view backend, const DeviceOptions& options = {});

}  // namespace sipnic::offload
