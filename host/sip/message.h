// SipMessage: one received message, owning its bytes and its header index
// (rebased to the message), so that it can outlive the receive buffer and cross
// to another worker. Read it through view() (sip/message_view.h): nothing is
// re-parsed.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "offload/sip_index.h"
#include "sip/message_view.h"

namespace sipnic::sip {

struct SipMessage {
  std::string bytes;
  offload::MessageRecord record{};  // start = 0, first_header = 0
  std::vector<offload::HeaderRecord> headers;

  // Copies one message out of a parse batch.
  static SipMessage from_batch(std::string_view segment, const offload::MessageRecord& rec,
                               std::span<const offload::HeaderRecord> all_headers);

  MessageView view() const { return MessageView(bytes, record, headers); }

  // Shorthands for the view's most used accessors.
  bool is_request() const { return view().is_request(); }
  std::string_view method() const { return view().method(); }
  std::string_view uri() const { return view().uri(); }
  int status() const { return view().status(); }
  std::string_view reason() const { return view().reason(); }
  std::string_view body() const { return view().body(); }
  std::string_view value(const offload::HeaderRecord& h) const { return view().value(h); }
  std::string_view header(offload::HeaderId id) const { return view().header(id); }
  bool has(offload::HeaderId id) const { return view().has(id); }
};

}  // namespace sipnic::sip
