// The fields a transaction layer needs from every message (RFC 3261 §17.1.3,
// §17.2.3, §8.2, §18.3), decoded in one call: one pass over the header
// records finds the first Via, From, To, Call-ID, CSeq, Max-Forwards and
// Content-Length, instead of one linear lookup per header; then each value is
// decoded with the same decoders as everywhere else (header_values.h), so the
// results and error texts are exactly those of calling them one by one.
#pragma once

#include <cstdint>
#include <string_view>

#include "offload/sip_index.h"
#include "sip/header_values.h"
#include "sip/message_view.h"

namespace sipnic::sip {

struct TransactionFields {
  Via via;                      // top via-parm: first element of the first Via header
  std::string_view branch;      // via.branch(); "" if the top Via has none
  NameAddr from;
  NameAddr to;
  std::string_view from_tag;    // from.tag(); "" if none
  std::string_view to_tag;      // to.tag(); "" if none (a request outside a dialog)
  std::string_view call_id;     // the Call-ID value as indexed
  CSeq cseq;
  std::uint32_t max_forwards = 0;
  bool has_max_forwards = false;   // Max-Forwards is optional in responses
  std::uint32_t content_length = 0;
  bool has_content_length = false;  // optional on datagrams (RFC 3261 §18.3)

  // The first failure in the order Via, From, To, Call-ID, CSeq,
  // Max-Forwards, Content-Length: which header, and the decoder's reason
  // ("missing header" when a mandatory one is absent). Fields after the
  // failing one are left empty.
  offload::HeaderId error_header = offload::HeaderId::kOther;
  std::string_view error;
  bool ok() const { return error.empty(); }
};

// Via, From, To, Call-ID and CSeq are mandatory (RFC 3261 §8.1.1): a message
// without one is an error here; Max-Forwards and Content-Length are decoded
// when present. Values are views into the message's bytes.
TransactionFields decode_transaction_fields(const MessageView& m);

}  // namespace sipnic::sip
