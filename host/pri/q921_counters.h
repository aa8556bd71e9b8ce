// What one Q.921 data link has done, as plain numbers: the span exports them
// (sipnic status, the metrics registry) and tests read them. Written only by
// the link, on its event loop's thread; arrays are indexed by FrameType,
// DecodeError and mdl_error_index().
#pragma once

#include <array>
#include <cstdint>

#include "pri/q921_frame.h"
#include "pri/q921_mdl_error.h"

namespace sipnic::pri {

struct Q921Counters {
  std::array<std::uint64_t, kFrameTypeCount> frames_in{};   // well-formed frames for this link, by type
  std::array<std::uint64_t, kFrameTypeCount> frames_out{};  // frames sent, by type
  std::array<std::uint64_t, kDecodeErrorCount> malformed_in{};  // frames refused by the decoder, by reason
  std::array<std::uint64_t, kMdlErrorCount> mdl_errors{};       // MDL-ERROR-INDICATIONs, by code
  std::uint64_t other_address_in = 0;     // well-formed frames for another SAPI or TEI (ignored)
  std::uint64_t retransmissions = 0;      // I frames sent again (REJ, timer recovery)
  std::uint64_t t200_expiries = 0;
  std::uint64_t t203_expiries = 0;
  std::uint64_t establishments = 0;       // times the link reached multiple frame established
  std::uint64_t reestablishments = 0;     // re-establishments the link began itself (errors, §5.7)
  std::uint64_t releases = 0;             // DL-RELEASE-INDICATIONs: layer 3 lost the link
  std::uint64_t establish_failures = 0;   // establishments that ended in state 4 (DM, or SABME unanswered)
  std::uint64_t data_requests_refused = 0;  // DL-DATA-REQs not taken (state, N201, queue full)
  std::uint64_t i_frames_discarded = 0;   // queued or unacknowledged I frames dropped by a reset or release

  std::uint64_t in(FrameType t) const { return frames_in[static_cast<std::size_t>(t)]; }
  std::uint64_t out(FrameType t) const { return frames_out[static_cast<std::size_t>(t)]; }
  std::uint64_t malformed(DecodeError e) const { return malformed_in[static_cast<std::size_t>(e)]; }
  std::uint64_t mdl(MdlError e) const { return mdl_errors[mdl_error_index(e)]; }
};

}  // namespace sipnic::pri
