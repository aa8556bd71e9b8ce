// The header-index format: what a SipParseEngine (cpu, sim or xrt backend)
// writes for a batch of stream segments. One header shared by the host, the
// Verilator harness and the tests; docs/header-index.md describes it for people.
//
// Every record is a fixed-size, explicitly padded POD so that the RTL kernel can
// write the very same bytes into device memory (little-endian, natural
// alignment). Backends must produce byte-identical output for the same input:
// padding bytes and unused fields are always zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace sipnic::offload {

// Header ids. The common headers, and their compact forms (RFC 3261 §7.3.3,
// RFC 3265, RFC 3515, RFC 3841, RFC 4028), map to one id each; any other name is
// kOther. The numeric values are part of the device format: append, never renumber.
enum class HeaderId : std::uint8_t {
  kOther = 0,
  kVia = 1,                 // v
  kFrom = 2,                // f
  kTo = 3,                  // t
  kCallId = 4,              // i
  kCSeq = 5,
  kContact = 6,             // m
  kContentLength = 7,       // l
  kContentType = 8,         // c
  kMaxForwards = 9,
  kRoute = 10,
  kRecordRoute = 11,
  kSupported = 12,          // k
  kRequire = 13,
  kProxyRequire = 14,
  kUnsupported = 15,
  kAllow = 16,
  kAccept = 17,
  kContentEncoding = 18,    // e
  kExpires = 19,
  kSubject = 20,            // s
  kEvent = 21,              // o
  kReferTo = 22,            // r
  kReferredBy = 23,         // b
  kAuthorization = 24,
  kProxyAuthorization = 25,
  kWwwAuthenticate = 26,
  kProxyAuthenticate = 27,
  kPAssertedIdentity = 28,
  kPrivacy = 29,
  kReason = 30,
  kSessionExpires = 31,     // x
  kMinSE = 32,
  kRetryAfter = 33,
  kUserAgent = 34,
  kServer = 35,
  kDate = 36,
  kAcceptContact = 37,      // a
  kAllowEvents = 38,        // u
  kDiversion = 39,
  kHistoryInfo = 40,
  kContentDisposition = 41,
  kMimeVersion = 42,
  kTimestamp = 43,
  kRSeq = 44,
  kRAck = 45,
  kSubscriptionState = 46,
  kCount = 47,
};

// Canonical (long-form) header name for an id; "" for kOther.
std::string_view header_name(HeaderId id);
// Id for a header name, case-insensitive, compact forms included.
HeaderId header_id_from_name(std::string_view name);

// Per-header flags.
enum HeaderFlag : std::uint8_t {
  kHeaderFolded = 1u << 0,          // value continues over folded (LWS) lines
  kHeaderEmptyValue = 1u << 1,      // nothing but whitespace after the colon
  kHeaderDuplicateSingleton = 1u << 2,  // second or later instance of a header
                                        // that RFC 3261 allows only once
                                        // (Call-ID, CSeq, From, To, Max-Forwards,
                                        // Content-Length, Content-Type)
  kHeaderCompactName = 1u << 3,     // written in compact form ("v", "l", ...)
};

// Per-message flags.
enum MessageFlag : std::uint8_t {
  kMessageIsRequest = 1u << 0,
  kMessageHasContentLength = 1u << 1,
};

// Parse errors, reported per segment, never guessed around. Values are part of
// the device format.
enum class ParseError : std::uint8_t {
  kNone = 0,
  kMissingContentLength = 1,   // stream transport, no Content-Length header
  kBadStartLine = 2,           // start line is not Request-Line / Status-Line
  kBareLf = 3,                 // LF not preceded by CR in the header section
  kHeaderTooLong = 4,          // header section longer than the engine's max_message_bytes
  kBadHeaderLine = 5,          // header line without a colon, or bad name
  kBadContentLength = 6,       // Content-Length not a decimal in range
  kTooManyHeaders = 7,         // more header lines than kMaxHeadersPerMessage
  kBodyTruncated = 8,          // datagram: body shorter than Content-Length
  kMessageTooLarge = 9,        // message (headers + body) longer than max_message_bytes
  kBadBytes = 10,              // NUL or other control byte in the header section
  kCount = 11,
};

std::string_view parse_error_name(ParseError e);  // "missing_content_length", ...
std::string_view parse_error_reason(ParseError e);  // human sentence

// A byte range, relative to the start of the message (not the segment).
struct Span {
  std::uint32_t off;
  std::uint32_t len;
};
static_assert(sizeof(Span) == 8);

// One header line (with its folded continuations). 16 bytes.
struct HeaderRecord {
  std::uint8_t id;        // HeaderId
  std::uint8_t flags;     // HeaderFlag bits
  std::uint16_t name_len;
  std::uint32_t name_off;   // from message start
  std::uint32_t value_off;  // from message start; leading/trailing LWS trimmed
  std::uint32_t value_len;  // folded values keep their CRLF+WS bytes inside
};
static_assert(sizeof(HeaderRecord) == 16);

// One complete message found in a segment. 64 bytes (one 512-bit beat).
struct MessageRecord {
  std::uint32_t start;         // offset of the message within its segment
  std::uint32_t header_len;    // start line + headers + blank line (CRLFCRLF)
  std::uint32_t body_len;      // from Content-Length (or rest of datagram)
  std::uint32_t total_len;     // header_len + body_len
  std::uint32_t first_header;  // index into the batch's HeaderRecord array
  std::uint16_t header_count;
  std::uint8_t flags;          // MessageFlag bits
  std::uint8_t reserved0;
  // Start line. Request: method, uri, version. Response: version, reason;
  // status_code holds the parsed 3-digit code.
  Span method;                 // request only
  Span uri;                    // request only
  Span version;                // both
  Span reason;                 // response only
  std::uint16_t status_code;   // response only
  std::uint16_t reserved1;
  std::uint32_t reserved2;
};
static_assert(sizeof(MessageRecord) == 64);

// Input: one segment of stream bytes (a datagram, or the unconsumed bytes of a
// stream connection). 16 bytes.
enum SegmentFlag : std::uint32_t {
  kSegmentStream = 1u << 0,  // stream transport: framing by Content-Length,
                             // which is then mandatory; otherwise a datagram
                             // whose body is the rest of the datagram.
};
struct SegmentDescriptor {
  std::uint64_t offset;      // into the batch's byte buffer
  std::uint32_t length;
  std::uint32_t flags;       // SegmentFlag bits
};
static_assert(sizeof(SegmentDescriptor) == 16);

// Output per segment. 32 bytes.
struct SegmentResult {
  std::uint32_t first_message;  // index into the batch's MessageRecord array
  std::uint32_t message_count;  // complete messages found
  std::uint32_t consumed;       // bytes covered by those messages (a stream
                                // keeps the rest for the next read)
  std::uint32_t error_offset;   // segment offset where the error was found
  std::uint8_t error;           // ParseError; parsing of the segment stops there
  std::uint8_t reserved0[3];
  // The resume point of a stream segment (docs/header-index.md): when the
  // message at `consumed` is incomplete but its header block is complete
  // and frames it (Content-Length valid and within max_message_bytes), its
  // total_len, so that the host need not parse it again before that many
  // bytes are there. 0 otherwise (header block not complete, an error, a
  // datagram, nothing left).
  std::uint32_t pending_total_len;
  std::uint32_t reserved1[2];
};
static_assert(sizeof(SegmentResult) == 32);

// Limits that bound the output arrays and match the kernel's parameters.
inline constexpr std::uint32_t kMaxHeadersPerMessage = 256;

static_assert(std::is_trivially_copyable_v<HeaderRecord>);
static_assert(std::is_trivially_copyable_v<MessageRecord>);
static_assert(std::is_trivially_copyable_v<SegmentResult>);

}  // namespace sipnic::offload
