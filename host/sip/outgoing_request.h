// OutgoingRequest: a request sipnic originates (the B2BUA's outbound legs,
// OPTIONS pings, CANCEL, BYE), kept as fields so that the transaction layer can
// build the ACK for a non-2xx final response (RFC 3261 §17.1.1.3) and CANCEL
// (§9.1) from it without parsing its own output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipnic::sip {

struct OutgoingRequest {
  std::string method;
  std::string uri;
  std::string via;        // top Via value; the transaction layer fills it
  std::string from;       // full From value (name-addr with tag)
  std::string to;         // full To value (with tag inside a dialog)
  std::string call_id;
  std::uint32_t cseq = 1;
  std::vector<std::string> routes;  // Route values, in order
  std::string contact;    // Contact value ("" = none)
  int max_forwards = 70;
  std::string headers;    // extra lines, each "Name: value\r\n"
  std::string content_type;
  std::string body;

  std::string serialize() const;
  // The ACK for a non-2xx final response: same Request-URI, top Via, From,
  // Call-ID, CSeq number and Route set; To from the response.
  std::string ack_for_failure(std::string_view response_to) const;
  // The CANCEL of this (INVITE) request (RFC 3261 §9.1).
  OutgoingRequest cancel() const;
};

}  // namespace sipnic::sip
