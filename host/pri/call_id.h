// pri::CallId: how a span's call control names one call to the layers above
// (interwork, the span peer, status) and to the B-channel pool. Call
// references are Q.931's and can repeat on the wire; a CallId is never
// reused by one call control. 0 names no call.
#pragma once

#include <cstdint>

namespace sipnic::pri {

using CallId = std::uint32_t;
inline constexpr CallId kNoCall = 0;

}  // namespace sipnic::pri
