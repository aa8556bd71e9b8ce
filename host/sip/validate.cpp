// Validation: the order of the checks is the order RFC 3261 §8.2 gives a UAS
// (version, then the headers it needs, then scheme, then extensions, then
// content), so that each torture message is rejected for the reason the RFC
// names. Only the first problem is reported.
#include "sip/validate.h"

#include <array>

#include "sip/header_values.h"

namespace sipnic::sip {
namespace {

using offload::HeaderId;
using offload::HeaderRecord;

constexpr std::array<std::string_view, 29> kRuleNames = {
    "ok",
    "parse_error",
    "bad_version",
    "start_line_whitespace",
    "trailing_whitespace",
    "request_uri_whitespace",
    "request_uri_angle_brackets",
    "request_uri_headers",
    "bad_request_uri",
    "bad_status_code",
    "missing_header",
    "duplicate_singleton",
    "bad_cseq",
    "cseq_method_mismatch",
    "bad_max_forwards",
    "bad_content_length",
    "bad_expires",
    "unterminated_quote",
    "bad_address",
    "bad_uri",
    "bad_via",
    "bad_call_id",
    "bad_date",
    "unsupported_uri_scheme",
    "too_many_hops",
    "bad_extension",
    "unsupported_media_type",
    "not_acceptable",
    "bad_content_type",
};
static_assert(static_cast<std::size_t>(Rule::kBadContentType) + 1 == kRuleNames.size());

bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool contains(const std::vector<std::string>& list, std::string_view v, bool case_insensitive) {
  for (const auto& s : list) {
    if (case_insensitive ? iequals(s, v) : s == v) return true;
  }
  return false;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// Accumulates the first failure; later checks are skipped once one is found.
class Checker {
 public:
  Checker(const MessageView& m, const ValidationPolicy& p) : m_(m), p_(p), req_(m.is_request()) {}

  Verdict run();

 private:
  bool failed() const { return v_.rule != Rule::kOk; }
  void fail(Rule r, int status, std::string_view phrase, std::string detail) {
    if (failed()) return;
    v_.rule = r;
    v_.action = req_ ? Action::kReject : Action::kDrop;
    v_.status = req_ ? status : 0;
    v_.reason_phrase = req_ ? std::string(phrase) : std::string();
    v_.detail = std::move(detail);
  }
  void bad(Rule r, std::string detail) { fail(r, 400, "Bad Request", std::move(detail)); }
  std::string hname(const HeaderRecord& h) const {
    const auto id = static_cast<HeaderId>(h.id);
    return std::string(id == HeaderId::kOther ? m_.name(h) : offload::header_name(id));
  }

  void start_line();
  void mandatory_headers();
  void values();
  void address(const HeaderRecord& h, std::string_view element, bool contact);
  void acceptance();

  const MessageView& m_;
  const ValidationPolicy& p_;
  const bool req_;
  Verdict v_;
  std::uint32_t max_forwards_ = 70;
  bool has_max_forwards_ = false;
};

void Checker::start_line() {
  if (!iequals(m_.version(), "SIP/2.0")) {
    fail(Rule::kBadVersion, 505, "Version Not Supported", "SIP version " + std::string(m_.version()) + " is not 2.0");
    return;
  }
  const auto& rec = m_.record();
  const std::size_t after_version = rec.version.off + rec.version.len;
  if (req_ && after_version < m_.bytes().size() && m_.bytes()[after_version] != '\r') {
    bad(Rule::kTrailingWhitespace, "whitespace after the SIP version in the Request-Line");
    return;
  }
  if (!req_) {
    if (m_.status() < 100 || m_.status() > 699) bad(Rule::kBadStatusCode, "status code outside 100-699");
    return;
  }
  const std::string_view uri = m_.uri();
  if (is_lws(uri.front()) || is_lws(uri.back())) {
    bad(Rule::kStartLineWhitespace, "more than one SP between Request-Line elements");
    return;
  }
  for (char c : uri) {
    if (is_lws(c)) {
      bad(Rule::kRequestUriWhitespace, "whitespace inside the Request-URI");
      return;
    }
  }
  if (uri.front() == '<') {
    bad(Rule::kRequestUriAngleBrackets, "Request-URI enclosed in <>");
    return;
  }
  const auto u = parse_uri(uri);
  if (!u) {
    bad(Rule::kBadRequestUri, "malformed Request-URI: " + std::string(u.error));
    return;
  }
  if (u->is_sip && u->has_headers) {
    bad(Rule::kRequestUriHeaders, "Request-URI carries URI headers (?...)");
  }
}

void Checker::mandatory_headers() {
  // RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Via (and Max-Forwards, which
  // RFC 2543 peers omit, RFC 4475 inv2543: not required here).
  static constexpr std::array<HeaderId, 5> kMandatory = {HeaderId::kTo, HeaderId::kFrom, HeaderId::kCallId,
                                                         HeaderId::kCSeq, HeaderId::kVia};
  std::string missing;
  for (HeaderId id : kMandatory) {
    if (!m_.has(id)) {
      if (!missing.empty()) missing += ", ";
      missing += offload::header_name(id);
    }
  }
  if (!missing.empty()) {
    bad(Rule::kMissingHeader, "missing mandatory header(s): " + missing);
    return;
  }
  for (const HeaderRecord& h : m_.headers()) {
    if ((h.flags & offload::kHeaderDuplicateSingleton) != 0) {
      bad(Rule::kDuplicateSingleton, "more than one " + hname(h) + " header");
      return;
    }
  }
}

void Checker::address(const HeaderRecord& h, std::string_view element, bool contact) {
  const auto na = parse_name_addr(element);
  if (!na) {
    const Rule r = na.error == "unterminated quoted string" ? Rule::kUnterminatedQuote : Rule::kBadAddress;
    bad(r, hname(h) + ": " + std::string(na.error));
    return;
  }
  if (const auto pe = na->params.error(); !pe.empty()) {
    bad(pe == "unterminated quoted string" ? Rule::kUnterminatedQuote : Rule::kBadAddress,
        hname(h) + ": " + std::string(pe));
    return;
  }
  if (na->star) {
    if (!contact) bad(Rule::kBadAddress, hname(h) + ": '*' is only valid in Contact");
    return;
  }
  const auto u = parse_uri(na->uri);
  if (!u) {
    bad(Rule::kBadUri, hname(h) + ": " + std::string(u.error));
    return;
  }
  if (contact) {
    if (const auto e = na->params.find("expires"); e && e->has_value && !parse_delta_seconds(e->value)) {
      bad(Rule::kBadExpires, "Contact expires parameter out of range");
    }
  }
}

void Checker::values() {
  // CSeq and Call-ID first: without them no transaction can be matched.
  const auto cseq = parse_cseq(m_.header(HeaderId::kCSeq));
  if (!cseq) return bad(Rule::kBadCSeq, std::string(cseq.error));
  if (req_ && cseq->method != m_.method()) {
    return bad(Rule::kCSeqMethodMismatch, "CSeq method " + std::string(cseq->method) +
                                              " differs from the request method " + std::string(m_.method()));
  }
  if (trim_lws(m_.header(HeaderId::kCallId)).empty()) return bad(Rule::kBadCallId, "empty Call-ID");

  for (const HeaderRecord& h : m_.headers()) {
    const auto id = static_cast<HeaderId>(h.id);
    const std::string_view value = m_.value(h);
    switch (id) {
      case HeaderId::kVia: {
        CommaValues parts(value);
        while (auto e = parts.next()) {
          const auto via = parse_via(*e);
          if (!via) return bad(Rule::kBadVia, "Via: " + std::string(e->empty() ? "empty element" : via.error));
          if (const auto pe = via->params.error(); !pe.empty()) return bad(Rule::kBadVia, "Via: " + std::string(pe));
        }
        if (!parts.error().empty()) return bad(Rule::kUnterminatedQuote, "Via: " + std::string(parts.error()));
        break;
      }
      case HeaderId::kTo:
      case HeaderId::kFrom:
        address(h, value, false);
        break;
      case HeaderId::kContact:
      case HeaderId::kRoute:
      case HeaderId::kRecordRoute: {
        CommaValues parts(value);
        while (auto e = parts.next()) {
          address(h, *e, id == HeaderId::kContact);
          if (failed()) return;
        }
        if (!parts.error().empty()) return bad(Rule::kUnterminatedQuote, hname(h) + ": " + std::string(parts.error()));
        break;
      }
      case HeaderId::kMaxForwards: {
        const auto mf = parse_max_forwards(value);
        if (!mf) return bad(Rule::kBadMaxForwards, std::string(mf.error));
        if (!has_max_forwards_) max_forwards_ = *mf;
        has_max_forwards_ = true;
        break;
      }
      case HeaderId::kContentLength: {
        const auto cl = parse_content_length(value);
        if (!cl) return bad(Rule::kBadContentLength, std::string(cl.error));
        break;
      }
      case HeaderId::kExpires: {
        const auto ex = parse_delta_seconds(value);
        if (!ex) return bad(Rule::kBadExpires, "Expires: " + std::string(ex.error));
        break;
      }
      case HeaderId::kDate:
        if (!is_sip_date(value)) return bad(Rule::kBadDate, "Date is not an RFC 1123 date in GMT");
        break;
      case HeaderId::kContentType: {
        const auto mt = parse_media_type(value);
        if (!mt) return bad(Rule::kBadContentType, "Content-Type: " + std::string(mt.error));
        break;
      }
      default:
        break;
    }
    if (failed()) return;
  }
}

// Whether a multipart/mixed body has an application/sdp part (RFC 2046 §5.1).
bool multipart_has_sdp(std::string_view body, std::string_view boundary) {
  if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty()) return false;
  std::string delim = "--";
  delim += boundary;
  std::size_t pos = body.find(delim);
  while (pos != std::string_view::npos) {
    std::size_t line_end = body.find("\r\n", pos);
    if (line_end == std::string_view::npos) return false;
    const std::size_t part = line_end + 2;
    const std::size_t hdr_end = body.find("\r\n\r\n", part);
    const std::size_t end = hdr_end == std::string_view::npos ? body.size() : hdr_end;
    // Part headers, one per line.
    std::size_t ls = part;
    while (ls < end) {
      std::size_t le = body.find("\r\n", ls);
      if (le == std::string_view::npos || le > end) le = end;
      const std::string_view line = body.substr(ls, le - ls);
      const std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && iequals(trim_lws(line.substr(0, colon)), "Content-Type")) {
        const auto mt = parse_media_type(line.substr(colon + 1));
        if (mt && mt->is("application", "sdp")) return true;
      }
      ls = le + 2;
    }
    pos = body.find(delim, part);
  }
  return false;
}

void Checker::acceptance() {
  const std::string_view method = m_.method();
  const bool is_ack = method == "ACK";
  const bool is_cancel = method == "CANCEL";
  // 416: RFC 3261 §8.2.2.1.
  const auto ruri = parse_uri(m_.uri());
  if (!contains(p_.uri_schemes, ruri->scheme, true)) {
    return fail(Rule::kUnsupportedUriScheme, 416, "Unsupported URI Scheme",
                "Request-URI scheme " + std::string(ruri->scheme) + " is not supported");
  }
  if (method == "REGISTER") {
    // The address-of-record is the To URI (RFC 3261 §10.3 step 3; RFC 4475 unksm2).
    const auto to = parse_name_addr(m_.header(HeaderId::kTo));
    const auto u = parse_uri(to->uri);
    if (!contains(p_.uri_schemes, u->scheme, true)) {
      return fail(Rule::kUnsupportedUriScheme, 416, "Unsupported URI Scheme",
                  "To URI scheme " + std::string(u->scheme) + " is not supported");
    }
  }
  // 483: RFC 3261 §16.3 step 3; sipnic forwards every request it accepts.
  if (p_.reject_zero_max_forwards && has_max_forwards_ && max_forwards_ == 0 && !is_ack) {
    return fail(Rule::kTooManyHops, 483, "Too Many Hops", "Max-Forwards is 0");
  }
  // 420: RFC 3261 §8.2.2.3; not for ACK and CANCEL. Proxy-Require is for
  // proxies; sipnic acts as a UAS on each leg and ignores it.
  if (!is_ack && !is_cancel) {
    std::string unsupported;
    for (const HeaderRecord& h : m_.all(HeaderId::kRequire)) {
      CommaValues tags(m_.value(h));
      while (auto t = tags.next()) {
        if (t->empty() || contains(p_.supported_option_tags, *t, false)) continue;
        if (!unsupported.empty()) unsupported += ", ";
        unsupported += *t;
      }
    }
    if (!unsupported.empty()) {
      fail(Rule::kBadExtension, 420, "Bad Extension", "unsupported option-tag(s) in Require: " + unsupported);
      v_.unsupported = unsupported;
      return;
    }
  }
  if (!contains(p_.session_methods, method, false)) return;
  std::string accept = join(p_.content_types);
  if (p_.accept_multipart_with_sdp) accept += accept.empty() ? "multipart/mixed" : ", multipart/mixed";
  // 415: RFC 3261 §8.2.3 (RFC 4475 invut).
  if (!m_.body().empty()) {
    const auto* ct = m_.find(HeaderId::kContentType);
    bool ok = false;
    std::string type = "(none)";
    if (ct != nullptr) {
      const auto mt = parse_media_type(m_.value(*ct));
      type = std::string(trim_lws(m_.value(*ct)));
      for (const auto& t : p_.content_types) {
        const std::size_t slash = t.find('/');
        if (mt->is(std::string_view(t).substr(0, slash), std::string_view(t).substr(slash + 1))) ok = true;
      }
      if (!ok && p_.accept_multipart_with_sdp && mt->is("multipart", "mixed")) {
        ok = multipart_has_sdp(m_.body(), mt->params.get("boundary"));
      }
    }
    if (!ok) {
      fail(Rule::kUnsupportedMediaType, 415, "Unsupported Media Type", "body type " + type + " is not supported");
      v_.accept = accept;
      return;
    }
  }
  // 406: an INVITE whose Accept rules out application/sdp cannot be answered
  // with the SDP answer (or offer) that the 200 must carry (RFC 4475 sdp01
  // names 406 Not Acceptable for exactly this).
  if (method == "INVITE") {
    const auto accepts = m_.all(HeaderId::kAccept);
    if (accepts.begin() != accepts.end()) {
      bool sdp = false;
      for (const HeaderRecord& h : accepts) {
        CommaValues types(m_.value(h));
        while (auto t = types.next()) {
          if (t->empty()) continue;
          const auto mt = parse_media_type(*t);
          if (!mt) continue;
          if (mt->is("application", "sdp") || (mt->type == "*" && mt->subtype == "*") ||
              (iequals(mt->type, "application") && mt->subtype == "*")) {
            sdp = true;
          }
        }
      }
      if (!sdp) {
        fail(Rule::kNotAcceptable, 406, "Not Acceptable", "Accept does not include application/sdp");
        v_.accept = "application/sdp";
      }
    }
  }
}

Verdict Checker::run() {
  start_line();
  if (!failed()) mandatory_headers();
  if (!failed()) values();
  if (!failed() && req_) acceptance();
  // An ACK is never answered (RFC 3261 §17.2.3): a bad one is dropped.
  if (failed() && req_ && m_.method() == "ACK") {
    v_.action = Action::kDrop;
  }
  return v_;
}

}  // namespace

std::string_view rule_name(Rule r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kRuleNames.size() ? kRuleNames[i] : std::string_view{"unknown"};
}

Verdict validate(const MessageView& msg, const ValidationPolicy& policy) { return Checker(msg, policy).run(); }

Verdict verdict_for_parse_error(offload::ParseError e, bool is_request) {
  Verdict v;
  v.rule = Rule::kParseError;
  v.detail = std::string(offload::parse_error_reason(e));
  if (is_request) {
    v.action = Action::kReject;
    v.status = 400;
    v.reason_phrase = "Bad Request";
  } else {
    v.action = Action::kDrop;
  }
  return v;
}

}  // namespace sipnic::sip
