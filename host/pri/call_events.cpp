#include "pri/call_events.h"

namespace sipnic::pri {

std::string_view call_event_name(CallEventType t) {
  switch (t) {
    case CallEventType::kIncomingSetup: return "incoming-setup";
    case CallEventType::kSetupAcknowledged: return "setup-acknowledged";
    case CallEventType::kProceeding: return "proceeding";
    case CallEventType::kAlerting: return "alerting";
    case CallEventType::kProgress: return "progress";
    case CallEventType::kConnected: return "connected";
    case CallEventType::kInformation: return "information";
    case CallEventType::kNotify: return "notify";
    case CallEventType::kFacility: return "facility";
    case CallEventType::kDisconnecting: return "disconnecting";
    case CallEventType::kReleased: return "released";
  }
  return "unknown";
}

}  // namespace sipnic::pri
