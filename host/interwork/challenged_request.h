// A request sipnic sends within a leg's dialog that the trunk may challenge
// (RFC 3261 §22.2, §22.3): a 401/407 to it is answered by sending it again
// with the trunk's credentials and the dialog's next CSeq (§8.1.3.5), once
// per challenge (sip::DigestClient says when to give up). The B2BUA's call
// legs and the subscription relay's legs both send through it.
#pragma once

#include <optional>
#include <string_view>

#include "sip/dialog.h"
#include "sip/digest.h"
#include "sip/message.h"
#include "sip/outgoing_request.h"

namespace sipnic::interwork {

class ChallengedRequest {
 public:
  explicit ChallengedRequest(sip::OutgoingRequest request) : request_(std::move(request)) {}

  // The request as it goes now: with the credentials of the last challenge
  // answered, if any.
  sip::OutgoingRequest wire() const;
  // After `challenge` (a 401 or 407 to the last send): true when `client`
  // answers it, and the request is ready to go again (wire()) with a CSeq
  // that `dialog` gives it; false to give up (no challenge fits, or the
  // credentials were refused).
  bool answer(const sip::SipMessage& challenge, sip::DigestClient& client, sip::Dialog& dialog,
              std::string_view cnonce);

  const std::string& method() const { return request_.method; }
  // The credentials line the last send carried ("" for none): what the ACK
  // for a 2xx to an INVITE carries too (RFC 3261 §13.2.2.4).
  std::string credentials_line() const { return auth_ ? auth_->line() : std::string(); }

 private:
  sip::OutgoingRequest request_;  // without credentials
  std::optional<sip::DigestAuthorization> auth_;
};

inline bool is_challenge(int status) { return status == 401 || status == 407; }

}  // namespace sipnic::interwork
