#include "pri/q921_mdl_error.h"

namespace sipnic::pri {

std::string_view mdl_error_text(MdlError e) {
  switch (e) {
    case MdlError::kUnsolicitedSupervisoryResponse: return "unsolicited supervisory response (F=1)";
    case MdlError::kUnsolicitedDmF1: return "unsolicited DM response (F=1)";
    case MdlError::kUnsolicitedUaF1: return "unsolicited UA response (F=1)";
    case MdlError::kUnsolicitedUaF0: return "unsolicited UA response (F=0)";
    case MdlError::kDmF0: return "DM response (F=0)";
    case MdlError::kPeerReestablished: return "peer initiated re-establishment (SABME)";
    case MdlError::kSabmeUnanswered: return "SABME unanswered after N200 retransmissions";
    case MdlError::kDiscUnanswered: return "DISC unanswered after N200 retransmissions";
    case MdlError::kEnquiryUnanswered: return "status enquiry unanswered after N200 retransmissions";
    case MdlError::kNrError: return "N(R) error";
    case MdlError::kFrmrReceived: return "FRMR response received";
    case MdlError::kUndefinedFrame: return "non-implemented frame received";
    case MdlError::kInfoNotPermitted: return "information field not permitted";
    case MdlError::kWrongSize: return "frame of wrong size";
    case MdlError::kInfoTooLong: return "information field longer than N201";
  }
  return "?";
}

}  // namespace sipnic::pri
