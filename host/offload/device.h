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
};

// The device for a backend name. "cpu" always works; "sim" and "xrt" throw
// std::runtime_error while this build has no such backend; any other name
// throws std::runtime_error naming the choices.
std::unique_ptr<Device> make_device(std::string_view backend);

}  // namespace sipnic::offload
