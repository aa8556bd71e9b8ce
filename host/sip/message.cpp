#include "sip/message.h"

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

}  // namespace sipnic::sip
