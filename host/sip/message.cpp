#include "sip/message.h"

#include <strings.h>

namespace sipnic::sip {

SipMessage SipMessage::from_batch(std::string_view segment, const offload::MessageRecord& rec,
                                  std::span<const offload::HeaderRecord> all_headers) {
  SipMessage m;
  m.bytes.assign(segment.substr(rec.start, rec.total_len));
  m.record = rec;
  m.record.start = 0;
  m.record.first_header = 0;
  auto hs = all_headers.subspan(rec.first_header, rec.header_count);
  m.headers.assign(hs.begin(), hs.end());
  return m;
}

std::string_view SipMessage::header(offload::HeaderId id) const {
  for (const auto& h : headers) {
    if (h.id == static_cast<std::uint8_t>(id)) return value(h);
  }
  return {};
}

std::string_view SipMessage::header(std::string_view n) const {
  for (const auto& h : headers) {
    auto hn = name(h);
    if (hn.size() == n.size() && ::strncasecmp(hn.data(), n.data(), n.size()) == 0) return value(h);
  }
  return {};
}

bool SipMessage::has(offload::HeaderId id) const {
  for (const auto& h : headers) {
    if (h.id == static_cast<std::uint8_t>(id)) return true;
  }
  return false;
}

}  // namespace sipnic::sip
