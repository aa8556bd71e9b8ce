// Building responses to requests (RFC 3261 §8.2.6): Via, From, To, Call-ID and
// CSeq copied from the request, To tag added, RFC 3581 received/rport filled
// into the top Via.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/socket_address.h"
#include "sip/message.h"

namespace sipnic::sip {

struct ResponseExtras {
  std::string_view to_tag = {};        // added to To when it has none ("" = none)
  std::string_view headers = {};   // extra lines, each "Name: value\r\n"
  std::string_view content_type = {};  // with body
  std::string_view body = {};
  const core::SocketAddress* source = nullptr;  // where the request came from
};

std::string_view default_reason(int status);

std::string build_response(const SipMessage& request, int status, std::string_view reason,
                           const ResponseExtras& extras = {});

// For requests the parser could not index (framing errors): scans the raw
// header lines for Via, From, To, Call-ID and CSeq (long and compact names)
// and builds a response from them. nullopt when the bytes are not a request or
// those headers are not all there. Error path only: it re-scans on purpose.
std::optional<std::string> build_response_from_raw(std::string_view raw, int status,
                                                   std::string_view reason,
                                                   const core::SocketAddress* source);

// The top Via value with RFC 3581 parameters filled for `source`: received= when
// the sent-by host differs from the source IP, rport=PORT when rport is present
// without a value.
std::string via_with_received(std::string_view top_via_value, const core::SocketAddress& source);

}  // namespace sipnic::sip
