// decode_transaction_fields: one pass over the header records, then the
// shared decoders. The pass is a switch on the id byte of each 16-byte record
// that stops as soon as all seven headers have been seen.
#include "sip/transaction_fields.h"

#include <array>

namespace sipnic::sip {

using offload::HeaderId;
using offload::HeaderRecord;

namespace {

// The transaction headers in the order they are decoded (and errors reported).
constexpr std::array<HeaderId, 7> kWanted = {HeaderId::kVia,    HeaderId::kFrom,        HeaderId::kTo,
                                             HeaderId::kCallId, HeaderId::kCSeq,        HeaderId::kMaxForwards,
                                             HeaderId::kContentLength};

// Slot of a header id in kWanted, or -1; built once so that the pass does a
// table lookup per record rather than seven compares.
constexpr std::array<std::int8_t, 256> make_slots() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < kWanted.size(); ++i) t[static_cast<std::size_t>(kWanted[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr std::array<std::int8_t, 256> kSlots = make_slots();

}  // namespace

TransactionFields decode_transaction_fields(const MessageView& m) {
  TransactionFields f;
  std::array<const HeaderRecord*, kWanted.size()> first{};
  unsigned missing = (1u << kWanted.size()) - 1;
  for (const HeaderRecord& h : m.headers()) {
    const int slot = kSlots[h.id];
    if (slot < 0 || (missing & (1u << slot)) == 0) continue;
    first[static_cast<std::size_t>(slot)] = &h;
    missing &= ~(1u << slot);
    if (missing == 0) break;
  }
  const auto fail = [&](HeaderId id, std::string_view why) {
    f.error_header = id;
    f.error = why;
    return f;
  };
  const auto value = [&](std::size_t slot) { return m.value(*first[slot]); };

  // Via: the first element of the first Via header is the top via-parm.
  if (first[0] == nullptr) return fail(HeaderId::kVia, "missing header");
  {
    CommaValues vias(value(0));
    const auto top = vias.next();
    if (!top) return fail(HeaderId::kVia, vias.error().empty() ? std::string_view("empty Via") : vias.error());
    auto via = parse_via(*top);
    if (!via) return fail(HeaderId::kVia, via.error);
    f.via = via.value;
    f.branch = f.via.branch();
  }
  for (std::size_t slot : {std::size_t{1}, std::size_t{2}}) {
    const HeaderId id = kWanted[slot];
    if (first[slot] == nullptr) return fail(id, "missing header");
    auto na = parse_name_addr(value(slot));
    if (!na) return fail(id, na.error);
    (slot == 1 ? f.from : f.to) = na.value;
    (slot == 1 ? f.from_tag : f.to_tag) = na->tag();
  }
  if (first[3] == nullptr) return fail(HeaderId::kCallId, "missing header");
  f.call_id = value(3);
  if (first[4] == nullptr) return fail(HeaderId::kCSeq, "missing header");
  if (auto cseq = parse_cseq(value(4)); cseq) {
    f.cseq = cseq.value;
  } else {
    return fail(HeaderId::kCSeq, cseq.error);
  }
  if (first[5] != nullptr) {
    auto mf = parse_max_forwards(value(5));
    if (!mf) return fail(HeaderId::kMaxForwards, mf.error);
    f.max_forwards = *mf;
    f.has_max_forwards = true;
  }
  if (first[6] != nullptr) {
    auto cl = parse_content_length(value(6));
    if (!cl) return fail(HeaderId::kContentLength, cl.error);
    f.content_length = *cl;
    f.has_content_length = true;
  }
  return f;
}

}  // namespace sipnic::sip
