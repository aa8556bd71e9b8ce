#include "interwork/challenged_request.h"

namespace sipnic::interwork {

sip::OutgoingRequest ChallengedRequest::wire() const {
  sip::OutgoingRequest out = request_;
  if (auth_) out.headers += auth_->line();
  return out;
}

bool ChallengedRequest::answer(const sip::SipMessage& challenge, sip::DigestClient& client, sip::Dialog& dialog,
                               std::string_view cnonce) {
  // ACK and CANCEL are never challenged (RFC 3261 §22.1); a challenge to
  // them is not answered.
  if (request_.method == "ACK" || request_.method == "CANCEL") return false;
  auto auth = client.answer(challenge, request_.method, request_.uri, cnonce, auth_ ? &*auth_ : nullptr);
  if (!auth) return false;
  auth_ = std::move(auth);
  // The same request with the dialog's next CSeq; the route set and remote
  // target as the dialog has them now.
  sip::OutgoingRequest again = dialog.request(request_.method);
  again.headers = std::move(request_.headers);
  again.content_type = std::move(request_.content_type);
  again.body = std::move(request_.body);
  again.max_forwards = request_.max_forwards;
  again.contact = std::move(request_.contact);
  request_ = std::move(again);
  return true;
}

}  // namespace sipnic::interwork
