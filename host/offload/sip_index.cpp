// Names for the header-index enums: header ids (long and compact forms) and
// parse errors. Lookup by name is on the engine's hot path (once per header
// line), so it avoids allocation and hashing libraries: the name is lowercased
// into a small stack buffer and compared against the few candidates of its
// length.
#include "offload/sip_index.h"

#include <array>
#include <cstring>

#include "core/ascii.h"

namespace sipnic::offload {
namespace {

struct HeaderNameEntry {
  HeaderId id;
  std::string_view canonical;  // as RFCs spell it
  char compact;                // 0: no compact form
};

// Indexed by HeaderId value; the static_assert below keeps it complete.
constexpr std::array<HeaderNameEntry, static_cast<std::size_t>(HeaderId::kCount)> kNames = {{
    {HeaderId::kOther, "", 0},
    {HeaderId::kVia, "Via", 'v'},
    {HeaderId::kFrom, "From", 'f'},
    {HeaderId::kTo, "To", 't'},
    {HeaderId::kCallId, "Call-ID", 'i'},
    {HeaderId::kCSeq, "CSeq", 0},
    {HeaderId::kContact, "Contact", 'm'},
    {HeaderId::kContentLength, "Content-Length", 'l'},
    {HeaderId::kContentType, "Content-Type", 'c'},
    {HeaderId::kMaxForwards, "Max-Forwards", 0},
    {HeaderId::kRoute, "Route", 0},
    {HeaderId::kRecordRoute, "Record-Route", 0},
    {HeaderId::kSupported, "Supported", 'k'},
    {HeaderId::kRequire, "Require", 0},
    {HeaderId::kProxyRequire, "Proxy-Require", 0},
    {HeaderId::kUnsupported, "Unsupported", 0},
    {HeaderId::kAllow, "Allow", 0},
    {HeaderId::kAccept, "Accept", 0},
    {HeaderId::kContentEncoding, "Content-Encoding", 'e'},
    {HeaderId::kExpires, "Expires", 0},
    {HeaderId::kSubject, "Subject", 's'},
    {HeaderId::kEvent, "Event", 'o'},
    {HeaderId::kReferTo, "Refer-To", 'r'},
    {HeaderId::kReferredBy, "Referred-By", 'b'},
    {HeaderId::kAuthorization, "Authorization", 0},
    {HeaderId::kProxyAuthorization, "Proxy-Authorization", 0},
    {HeaderId::kWwwAuthenticate, "WWW-Authenticate", 0},
    {HeaderId::kProxyAuthenticate, "Proxy-Authenticate", 0},
    {HeaderId::kPAssertedIdentity, "P-Asserted-Identity", 0},
    {HeaderId::kPrivacy, "Privacy", 0},
    {HeaderId::kReason, "Reason", 0},
    {HeaderId::kSessionExpires, "Session-Expires", 'x'},
    {HeaderId::kMinSE, "Min-SE", 0},
    {HeaderId::kRetryAfter, "Retry-After", 0},
    {HeaderId::kUserAgent, "User-Agent", 0},
    {HeaderId::kServer, "Server", 0},
    {HeaderId::kDate, "Date", 0},
    {HeaderId::kAcceptContact, "Accept-Contact", 'a'},
    {HeaderId::kAllowEvents, "Allow-Events", 'u'},
    {HeaderId::kDiversion, "Diversion", 0},
    {HeaderId::kHistoryInfo, "History-Info", 0},
    {HeaderId::kContentDisposition, "Content-Disposition", 0},
    {HeaderId::kMimeVersion, "MIME-Version", 0},
    {HeaderId::kTimestamp, "Timestamp", 0},
    {HeaderId::kRSeq, "RSeq", 0},
    {HeaderId::kRAck, "RAck", 0},
    {HeaderId::kSubscriptionState, "Subscription-State", 0},
}};

constexpr bool names_indexed_by_id() {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (static_cast<std::size_t>(kNames[i].id) != i) return false;
  }
  return true;
}
static_assert(names_indexed_by_id(), "kNames must be ordered by HeaderId");

constexpr std::size_t kMaxNameLen = 19;  // "Proxy-Authorization", "P-Asserted-Identity"

using core::ascii::to_lower;

// Lowercased canonical names grouped by length, built at compile time, so a
// lookup compares against the handful of names of the same length only.
struct ByLength {
  std::array<std::array<std::uint8_t, 8>, kMaxNameLen + 1> ids{};
  std::array<std::uint8_t, kMaxNameLen + 1> count{};
  std::array<std::array<char, kMaxNameLen>, static_cast<std::size_t>(HeaderId::kCount)> lowered{};
  std::array<std::uint8_t, 256> compact{};  // lowercase letter -> id
};

constexpr ByLength make_by_length() {
  ByLength t{};
  for (std::size_t i = 1; i < kNames.size(); ++i) {
    const auto& e = kNames[i];
    for (std::size_t k = 0; k < e.canonical.size(); ++k) t.lowered[i][k] = to_lower(e.canonical[k]);
    const std::size_t n = e.canonical.size();
    t.ids[n][t.count[n]++] = static_cast<std::uint8_t>(i);
    if (e.compact != 0) t.compact[static_cast<unsigned char>(e.compact)] = static_cast<std::uint8_t>(i);
  }
  return t;
}
constexpr ByLength kByLength = make_by_length();

static_assert([] {
  for (auto c : kByLength.count) {
    if (c > 8) return false;
  }
  return true;
}());

constexpr std::array<std::string_view, static_cast<std::size_t>(ParseError::kCount)> kErrorNames = {
    "none",           "missing_content_length", "bad_start_line",     "bare_lf",
    "header_too_long", "bad_header_line",       "bad_content_length", "too_many_headers",
    "body_truncated", "message_too_large",      "bad_bytes",
};

constexpr std::array<std::string_view, static_cast<std::size_t>(ParseError::kCount)> kErrorReasons = {
    "no error",
    "stream transport requires a Content-Length header",
    "start line is neither a Request-Line nor a Status-Line",
    "LF not preceded by CR in the header section",
    "header section is longer than the maximum message size",
    "header line without a colon, with a bad name, or a continuation line without a header",
    "Content-Length is not a decimal number in range",
    "more header lines than the engine can index",
    "body is shorter than Content-Length",
    "message (headers and body) is longer than the maximum message size",
    "control byte (NUL, bare CR, ...) in the start line or header section",
};

}  // namespace

std::string_view header_name(HeaderId id) {
  const auto i = static_cast<std::size_t>(id);
  return i < kNames.size() ? kNames[i].canonical : std::string_view{};
}

HeaderId header_id_from_name(std::string_view name) {
  const std::size_t n = name.size();
  if (n == 1) {
    return static_cast<HeaderId>(kByLength.compact[static_cast<unsigned char>(to_lower(name[0]))]);
  }
  if (n == 0 || n > kMaxNameLen) return HeaderId::kOther;
  char buf[kMaxNameLen];
  for (std::size_t i = 0; i < n; ++i) buf[i] = to_lower(name[i]);
  const auto& cands = kByLength.ids[n];
  for (std::uint8_t k = 0; k < kByLength.count[n]; ++k) {
    const std::uint8_t id = cands[k];
    if (std::memcmp(buf, kByLength.lowered[id].data(), n) == 0) return static_cast<HeaderId>(id);
  }
  return HeaderId::kOther;
}

std::string_view parse_error_name(ParseError e) {
  const auto i = static_cast<std::size_t>(e);
  return i < kErrorNames.size() ? kErrorNames[i] : std::string_view{"unknown"};
}

std::string_view parse_error_reason(ParseError e) {
  const auto i = static_cast<std::size_t>(e);
  return i < kErrorReasons.size() ? kErrorReasons[i] : std::string_view{"unknown parse error"};
}

}  // namespace sipnic::offload
