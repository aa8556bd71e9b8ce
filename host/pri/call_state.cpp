#include "pri/call_state.h"

namespace sipnic::pri {

std::string_view call_state_name(Side side, CallState s) {
  const bool user = side == Side::kUser;
  switch (s) {
    case CallState::kNull: return user ? "U0 null" : "N0 null";
    case CallState::kCallInitiated: return user ? "U1 call initiated" : "N1 call initiated";
    case CallState::kOverlapSending: return user ? "U2 overlap sending" : "N2 overlap sending";
    case CallState::kOutgoingCallProceeding:
      return user ? "U3 outgoing call proceeding" : "N3 outgoing call proceeding";
    case CallState::kCallDelivered: return user ? "U4 call delivered" : "N4 call delivered";
    case CallState::kCallPresent: return user ? "U6 call present" : "N6 call present";
    case CallState::kCallReceived: return user ? "U7 call received" : "N7 call received";
    case CallState::kConnectRequest: return user ? "U8 connect request" : "N8 connect request";
    case CallState::kIncomingCallProceeding:
      return user ? "U9 incoming call proceeding" : "N9 incoming call proceeding";
    case CallState::kActive: return user ? "U10 active" : "N10 active";
    case CallState::kDisconnectRequest: return user ? "U11 disconnect request" : "N11 disconnect request";
    case CallState::kDisconnectIndication: return user ? "U12 disconnect indication" : "N12 disconnect indication";
    case CallState::kReleaseRequest: return user ? "U19 release request" : "N19 release request";
    case CallState::kCallAbort: return user ? "U22 call abort" : "N22 call abort";
    case CallState::kOverlapReceiving: return user ? "U25 overlap receiving" : "N25 overlap receiving";
    case CallState::kSuspendRequest: return user ? "U15 suspend request" : "N15 suspend request";
    case CallState::kResumeRequest: return user ? "U17 resume request" : "N17 resume request";
    case CallState::kRestartRequest: return "REST1 restart request";
    case CallState::kRestart: return "REST2 restart";
  }
  return "unknown call state";
}

bool is_call_state_value(std::uint8_t value) {
  switch (value) {
    case 0: case 1: case 2: case 3: case 4: case 6: case 7: case 8: case 9:
    case 10: case 11: case 12: case 15: case 17: case 19: case 22: case 25:
      return true;
    default:
      return false;
  }
}

}  // namespace sipnic::pri
