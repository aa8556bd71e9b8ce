// The error conditions a Q.921 data link entity reports to its management
// entity with MDL-ERROR-INDICATION: codes A to O of Q.921 Appendix II
// (Table II.1), each named for what happened. The value is the letter, as
// operators and traces (libpri, Wireshark) name them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipnic::pri {

enum class MdlError : char {
  kUnsolicitedSupervisoryResponse = 'A',  // an RR/RNR/REJ response with F=1 in state 7
  kUnsolicitedDmF1 = 'B',                 // a DM response with F=1 in state 7 or 8
  kUnsolicitedUaF1 = 'C',                 // a UA response with F=1 where none was asked for
  kUnsolicitedUaF0 = 'D',                 // a UA response with F=0
  kDmF0 = 'E',                            // a DM response with F=0 in state 7 or 8
  kPeerReestablished = 'F',               // a SABME in state 7 or 8: the peer reset the link
  kSabmeUnanswered = 'G',                 // N200 retransmissions of SABME went unanswered
  kDiscUnanswered = 'H',                  // N200 retransmissions of DISC went unanswered
  kEnquiryUnanswered = 'I',               // N200 enquiries (RR/RNR P=1) in timer recovery went unanswered
  kNrError = 'J',                         // an N(R) outside V(A)..V(S)
  kFrmrReceived = 'K',                    // the peer sent FRMR
  kUndefinedFrame = 'L',                  // a frame with an undefined control field (or wrong C/R)
  kInfoNotPermitted = 'M',                // an information field in a frame that has none
  kWrongSize = 'N',                       // an S or FRMR frame of the wrong length
  kInfoTooLong = 'O',                     // an information field longer than N201
};
inline constexpr std::size_t kMdlErrorCount = 15;

constexpr std::size_t mdl_error_index(MdlError e) { return static_cast<std::size_t>(static_cast<char>(e) - 'A'); }
constexpr char mdl_error_letter(MdlError e) { return static_cast<char>(e); }
// What the code means, for a log line ("N(R) error").
std::string_view mdl_error_text(MdlError e);

}  // namespace sipnic::pri
