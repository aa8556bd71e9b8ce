// SipMessage: one received message, owning its bytes and its header index
// (rebased to the message), so that it can outlive the receive buffer, cross to
// another worker, and be viewed without re-parsing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "offload/sip_index.h"

namespace sipnic::sip {

struct SipMessage {
  std::string bytes;
  offload::MessageRecord record{};  // start = 0, first_header = 0
  std::vector<offload::HeaderRecord> headers;

  // Copies one message out of a parse batch.
  static SipMessage from_batch(std::string_view segment, const offload::MessageRecord& rec,
                               std::span<const offload::HeaderRecord> all_headers);

  bool is_request() const { return record.flags & offload::kMessageIsRequest; }
  std::string_view text(offload::Span s) const { return std::string_view(bytes).substr(s.off, s.len); }
  std::string_view method() const { return text(record.method); }
  std::string_view uri() const { return text(record.uri); }
  int status() const { return record.status_code; }
  std::string_view reason() const { return text(record.reason); }
  std::string_view body() const {
    return std::string_view(bytes).substr(record.header_len, record.body_len);
  }
  std::string_view name(const offload::HeaderRecord& h) const {
    return std::string_view(bytes).substr(h.name_off, h.name_len);
  }
  std::string_view value(const offload::HeaderRecord& h) const {
    return std::string_view(bytes).substr(h.value_off, h.value_len);
  }
  // First value of a header, "" if absent.
  std::string_view header(offload::HeaderId id) const;
  // First value of a header by name (case-insensitive); for kOther headers.
  std::string_view header(std::string_view name) const;
  bool has(offload::HeaderId id) const;
};

}  // namespace sipnic::sip
