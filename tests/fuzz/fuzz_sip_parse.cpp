// libFuzzer target: the input as one datagram and as one stream segment
// through CpuSipParseEngine (both SIMD kernels, which must agree), then a
// MessageView, every decoder and validation on each message found. The
// invariants checked here are the header-index contract: every span lies
// inside its message, records are counted right, padding is zero.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>

#include "offload/cpu_sip_parse_engine.h"
#include "sip/header_values.h"
#include "sip/message_view.h"
#include "sip/validate.h"

namespace {

using namespace sipnic;

void check(bool ok) {
  if (!ok) std::abort();
}

void decode_everything(const sip::MessageView& m) {
  (void)sip::parse_uri(m.uri());
  for (const auto& h : m.headers()) {
    const std::string_view v = m.value(h);
    switch (static_cast<offload::HeaderId>(h.id)) {
      case offload::HeaderId::kVia: {
        sip::CommaValues parts(v);
        while (auto e = parts.next()) {
          const auto via = sip::parse_via(*e);
          if (via) {
            (void)via->branch();
            (void)via->received();
            (void)via->rport();
            (void)via->ttl();
            (void)via->params.error();
          }
        }
        break;
      }
      case offload::HeaderId::kTo:
      case offload::HeaderId::kFrom:
      case offload::HeaderId::kContact:
      case offload::HeaderId::kRoute:
      case offload::HeaderId::kRecordRoute: {
        sip::CommaValues parts(v);
        while (auto e = parts.next()) {
          const auto na = sip::parse_name_addr(*e);
          if (na) {
            (void)na->tag();
            (void)na->params.error();
            const auto u = sip::parse_uri(na->uri);
            if (u) (void)u->user_decoded();
            if (na->display_quoted) (void)sip::unquote(na->display_name);
          }
        }
        break;
      }
      case offload::HeaderId::kCSeq:
        (void)sip::parse_cseq(v);
        break;
      case offload::HeaderId::kMaxForwards:
        (void)sip::parse_max_forwards(v);
        break;
      case offload::HeaderId::kContentLength:
        (void)sip::parse_content_length(v);
        break;
      case offload::HeaderId::kContentType:
      case offload::HeaderId::kAccept:
        (void)sip::parse_media_type(v);
        break;
      case offload::HeaderId::kDate:
        (void)sip::is_sip_date(v);
        break;
      default:
        (void)sip::percent_decode(v);
        break;
    }
  }
  (void)sip::validate(m);
}

void run(const std::uint8_t* data, std::size_t size, std::uint32_t flags) {
  const offload::SegmentDescriptor d{0, static_cast<std::uint32_t>(size), flags};
  const std::span<const std::uint8_t> bytes(data, size);
  offload::CpuSipParseEngine avx2({}, offload::SimdLevel::kAvx2);
  offload::CpuSipParseEngine sse2({}, offload::SimdLevel::kSse2);
  offload::SipParseOutput a, b;
  avx2.parse(bytes, {&d, 1}, a);
  sse2.parse(bytes, {&d, 1}, b);
  check(a.messages.size() == b.messages.size() && a.headers.size() == b.headers.size());
  check(std::memcmp(a.segments.data(), b.segments.data(), sizeof(offload::SegmentResult)) == 0);
  if (!a.messages.empty()) {
    check(std::memcmp(a.messages.data(), b.messages.data(), a.messages.size() * sizeof(offload::MessageRecord)) == 0);
  }
  if (!a.headers.empty()) {
    check(std::memcmp(a.headers.data(), b.headers.data(), a.headers.size() * sizeof(offload::HeaderRecord)) == 0);
  }
  const offload::SegmentResult& r = a.segments[0];
  check(r.consumed <= size);
  check(r.message_count == a.messages.size());
  check(r.reserved0[0] == 0 && r.reserved0[1] == 0 && r.reserved0[2] == 0 && r.reserved1[0] == 0 &&
        r.reserved1[1] == 0);
  // The resume point: only a stream segment without error whose last
  // message lacks body bytes, and never more than that message can have.
  if (r.pending_total_len != 0) {
    check(flags == offload::kSegmentStream && r.error == 0);
    check(r.consumed + static_cast<std::uint64_t>(r.pending_total_len) > size);
    check(r.pending_total_len <= offload::SipParseLimits{}.max_message_bytes);
  }
  const std::string_view seg(reinterpret_cast<const char*>(data), size);
  std::uint32_t headers = 0;
  for (const auto& rec : a.messages) {
    check(rec.start + static_cast<std::uint64_t>(rec.total_len) <= size);
    check(rec.header_len + rec.body_len == rec.total_len);
    check(rec.first_header == headers);
    check(rec.reserved0 == 0 && rec.reserved1 == 0 && rec.reserved2 == 0);
    headers += rec.header_count;
    const sip::MessageView m = sip::MessageView::from_batch(seg, rec, a.headers);
    for (const auto& h : m.headers()) {
      check(h.name_off + static_cast<std::uint64_t>(h.name_len) <= rec.header_len);
      check(h.value_off + static_cast<std::uint64_t>(h.value_len) <= rec.header_len);
    }
    decode_everything(m);
  }
  check(headers == a.headers.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1u << 20) return 0;
  run(data, size, 0);
  run(data, size, offload::kSegmentStream);
  return 0;
}
