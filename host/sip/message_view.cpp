// MessageView lookups. A message has tens of headers, so a linear pass over
// the 16-byte records (contiguous, one id byte each) beats any map.
#include "sip/message_view.h"

#include "sip/header_values.h"

namespace sipnic::sip {

using offload::HeaderId;
using offload::HeaderRecord;

MessageView MessageView::from_batch(std::string_view segment, const offload::MessageRecord& record,
                                    std::span<const HeaderRecord> all_headers) {
  return MessageView(segment.substr(record.start, record.total_len), record,
                     all_headers.subspan(record.first_header, record.header_count));
}

const HeaderRecord* MessageView::find(HeaderId id) const {
  const auto want = static_cast<std::uint8_t>(id);
  for (const HeaderRecord& h : headers_) {
    if (h.id == want) return &h;
  }
  return nullptr;
}

const HeaderRecord* MessageView::find(std::string_view name) const {
  const HeaderId id = offload::header_id_from_name(name);
  if (id != HeaderId::kOther) return find(id);
  for (const HeaderRecord& h : headers_) {
    if (h.id == static_cast<std::uint8_t>(HeaderId::kOther) && iequals(this->name(h), name)) return &h;
  }
  return nullptr;
}

std::string_view MessageView::header(HeaderId id) const {
  const HeaderRecord* h = find(id);
  return h != nullptr ? value(*h) : std::string_view{};
}

std::string_view MessageView::header(std::string_view name) const {
  const HeaderRecord* h = find(name);
  return h != nullptr ? value(*h) : std::string_view{};
}

std::size_t MessageView::count(HeaderId id) const {
  std::size_t n = 0;
  for (const HeaderRecord& h : headers_) n += h.id == static_cast<std::uint8_t>(id) ? 1 : 0;
  return n;
}

}  // namespace sipnic::sip
