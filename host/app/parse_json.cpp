// JSON output of the header index and validation verdict (parse_json.h).
#include "app/parse_json.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "offload/sip_index.h"
#include "sip/message_view.h"
#include "sip/validate.h"

namespace sipnic::app {
namespace {
using offload::HeaderRecord;
using offload::MessageRecord;

// JSON string: control bytes as \u00XX, and any byte that is not part of a
// well-formed UTF-8 sequence as \u00XX too (its Latin-1 reading), so the
// output is valid JSON whatever the message holds.
void json_string(std::ostream& o, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto esc = [&](unsigned char c) { o << "\\u00" << kHex[c >> 4] << kHex[c & 15]; };
  o << '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      o << '\\' << static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      esc(c);
      ++i;
    } else if (c < 0x80) {
      o << static_cast<char>(c);
      ++i;
    } else {
      // Length and validity of a UTF-8 sequence (no overlongs, no surrogates).
      std::size_t n = 0;
      unsigned char lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) n = 2;
      else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      }
      bool ok = n != 0 && i + n <= s.size();
      for (std::size_t k = 1; ok && k < n; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) ok = false;
      }
      if (ok) {
        o << s.substr(i, n);
        i += n;
      } else {
        esc(c);
        ++i;
      }
    }
  }
  o << '"';
}

void json_flags(std::ostream& o, std::uint8_t f) {
  static constexpr std::pair<std::uint8_t, std::string_view> kFlags[] = {
      {offload::kHeaderFolded, "folded"},
      {offload::kHeaderEmptyValue, "empty_value"},
      {offload::kHeaderDuplicateSingleton, "duplicate_singleton"},
      {offload::kHeaderCompactName, "compact_name"},
  };
  o << '[';
  bool first = true;
  for (const auto& [bit, name] : kFlags) {
    if ((f & bit) == 0) continue;
    if (!first) o << ',';
    first = false;
    json_string(o, name);
  }
  o << ']';
}

void json_message(std::ostream& o, const sip::MessageView& m) {
  o << "{\"kind\":" << (m.is_request() ? "\"request\"" : "\"response\"");
  if (m.is_request()) {
    o << ",\"method\":";
    json_string(o, m.method());
    o << ",\"uri\":";
    json_string(o, m.uri());
    o << ",\"version\":";
    json_string(o, m.version());
  } else {
    o << ",\"version\":";
    json_string(o, m.version());
    o << ",\"status\":\"" << m.status() << "\",\"reason\":";
    json_string(o, m.reason());
  }
  o << ",\"headers\":[";
  bool first = true;
  for (const HeaderRecord& h : m.headers()) {
    if (!first) o << ',';
    first = false;
    o << "{\"id\":" << static_cast<int>(h.id) << ",\"id_name\":";
    const auto id = static_cast<offload::HeaderId>(h.id);
    json_string(o, id == offload::HeaderId::kOther ? std::string_view("other") : offload::header_name(id));
    o << ",\"name\":";
    json_string(o, m.name(h));
    o << ",\"value\":";
    json_string(o, m.value(h));
    o << ",\"name_span\":[" << h.name_off << ',' << h.name_len << "],\"value_span\":[" << h.value_off << ','
      << h.value_len << "],\"flags\":";
    json_flags(o, h.flags);
    o << '}';
  }
  const MessageRecord& r = m.record();
  o << "],\"header_len\":" << r.header_len << ",\"body_len\":" << r.body_len << ",\"total_len\":" << r.total_len
    << '}';
}

}  // namespace

bool print_parse_result(const std::string& name, const std::string& data, bool stream, offload::SipParseEngine& engine,
                std::ostream& o) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
  const offload::SegmentDescriptor seg{0, static_cast<std::uint32_t>(data.size()),
                                       stream ? offload::kSegmentStream : 0u};
  offload::SipParseOutput out;
  engine.parse({p, data.size()}, {&seg, 1}, out);
  const offload::SegmentResult& r = out.segments[0];

  o << "{\"file\":";
  json_string(o, name);
  o << ",\"messages\":[";
  bool ok = true;
  std::string verror;  // first validation failure, as JSON members
  for (std::uint32_t i = 0; i < r.message_count; ++i) {
    const MessageRecord& rec = out.messages[r.first_message + i];
    const sip::MessageView m = sip::MessageView::from_batch(data, rec, out.headers);
    if (i != 0) o << ',';
    json_message(o, m);
    const sip::Verdict v = sip::validate(m);
    if (!v.ok() && verror.empty()) {
      std::ostringstream e;
      e << "{\"code\":";
      json_string(e, sip::rule_name(v.rule));
      e << ",\"reason\":";
      json_string(e, v.detail);
      e << ",\"status\":" << v.status << ",\"message\":" << i << ",\"offset\":" << rec.start << '}';
      verror = e.str();
    }
  }
  o << ']';
  if (r.error != static_cast<std::uint8_t>(offload::ParseError::kNone)) {
    const auto e = static_cast<offload::ParseError>(r.error);
    o << ",\"error\":{\"code\":";
    json_string(o, offload::parse_error_name(e));
    o << ",\"reason\":";
    json_string(o, offload::parse_error_reason(e));
    o << ",\"status\":" << (data.rfind("SIP/", 0) == 0 ? 0 : 400) << ",\"offset\":" << r.error_offset << '}';
    ok = false;
  } else if (!verror.empty()) {
    o << ",\"error\":" << verror;
    ok = false;
  } else if (stream && r.consumed < data.size()) {
    o << ",\"error\":{\"code\":\"incomplete_message\",\"reason\":\"the file ends inside a message\",\"status\":0,"
         "\"offset\":"
      << r.consumed << '}';
    ok = false;
  } else if (r.message_count == 0) {
    o << ",\"error\":{\"code\":\"no_message\",\"reason\":\"the file holds no SIP message\",\"status\":0,\"offset\":0}";
    ok = false;
  }
  o << "}\n";
  return ok;
}


}  // namespace sipnic::app
