// Semantic checks on a parsed message: what the transaction and UA layers need
// to decide before acting on it. The engine (offload) only frames and indexes;
// this layer decodes the values that matter and says, in one structured
// verdict, whether to process the message, reject it with which response, or
// drop it (a malformed response is never answered).
//
// The checks follow RFC 3261 §8.2 (UAS behaviour: 505, 400, 416, 420, 415)
// and §16.3 (483), and the RFC 4475 torture cases; tests/unit/sip/validate_test.cpp
// maps every RFC 4475 and RFC 5118 message to its verdict.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "offload/sip_index.h"
#include "sip/message_view.h"

namespace sipnic::sip {

// What was wrong (or kOk); one value per distinct reason a test can check.
enum class Rule : std::uint8_t {
  kOk,
  kParseError,               // the engine rejected the bytes (ParseError in detail)
  kBadVersion,               // SIP version other than 2.0 -> 505
  kStartLineWhitespace,      // extra SP around the Request-URI (RFC 4475 lwsstart)
  kTrailingWhitespace,       // whitespace after the SIP version (trws)
  kRequestUriWhitespace,     // LWS inside the Request-URI (lwsruri)
  kRequestUriAngleBrackets,  // Request-URI enclosed in <> (ltgtruri)
  kRequestUriHeaders,        // ?headers in the Request-URI (escruri)
  kBadRequestUri,            // malformed Request-URI (RFC 5118 ipv6-bad, 3 colons)
  kBadStatusCode,            // status code outside 100-699
  kMissingHeader,            // To, From, Call-ID, CSeq or Via absent (insuf)
  kDuplicateSingleton,       // more than one To/From/Call-ID/CSeq/Max-Forwards/
                             // Content-Length/Content-Type (multi01, mcl01)
  kBadCSeq,                  // malformed or >= 2**31 (scalar02, scalarlg)
  kCSeqMethodMismatch,       // CSeq method != request method (mismatch01/02)
  kBadMaxForwards,           // malformed or > 255
  kBadContentLength,         // malformed / negative (ncl)
  kBadExpires,               // delta-seconds beyond 32 bits
  kUnterminatedQuote,        // quotbal
  kBadAddress,               // To/From/Contact/Route... not a name-addr/addr-spec
                             // (badaspec, baddn, regbadct, badinv01 Contact)
  kBadUri,                   // a URI in a header is malformed
  kBadVia,                   // malformed Via (badinv01)
  kBadCallId,                // empty Call-ID
  kBadDate,                  // Date not an RFC 1123 GMT date (baddate)
  kUnsupportedUriScheme,     // 416 (unkscm, novelsc, unksm2)
  kTooManyHops,              // Max-Forwards 0 on a request to forward -> 483 (zeromf)
  kBadExtension,             // unknown Require option-tag -> 420 (bext01)
  kUnsupportedMediaType,     // body type sipnic cannot handle -> 415 (invut)
  kNotAcceptable,            // Accept excludes the SDP we must answer with -> 406 (sdp01)
  kBadContentType,           // malformed Content-Type
};
std::string_view rule_name(Rule r);  // "ok", "cseq_method_mismatch", ...

enum class Action : std::uint8_t {
  kProcess,  // hand to the transaction layer
  kReject,   // answer the request with `status` and drop it
  kDrop,     // a response (or an unanswerable request) that is malformed: discard
};

struct Verdict {
  Action action = Action::kProcess;
  Rule rule = Rule::kOk;
  int status = 0;            // response to send when action == kReject
  std::string reason_phrase; // for that response ("Bad Request", ...)
  std::string detail;        // human detail ("CSeq method INVITE differs from OPTIONS")
  std::string unsupported;   // 420: value for the Unsupported header
  std::string accept;        // 415/406: value for the Accept header
  bool ok() const { return action == Action::kProcess; }
};

struct ValidationPolicy {
  // Option-tags sipnic honours in a Require header: "100rel" (RFC 3262)
  // and "timer" (RFC 4028), which the B2BUA does per leg
  // (sip/reliable_provisionals.h, sip/session_timer.h; a trunk with the
  // extension off answers 420 itself), and "replaces" (RFC 3891: the B2BUA
  // maps a Replaces to the leg it names). docs/sip-core.md has each.
  // sipnic itself requires no option-tag from its peers.
  std::vector<std::string> supported_option_tags = {"100rel", "timer", "replaces"};
  // Request-URI schemes sipnic routes (RFC 3261 §8.2.2.1 -> 416 otherwise).
  std::vector<std::string> uri_schemes = {"sip", "sips", "tel"};
  // Body types sipnic understands on session-description methods; a
  // multipart/mixed body is accepted when one of its parts is application/sdp.
  std::vector<std::string> content_types = {"application/sdp"};
  bool accept_multipart_with_sdp = true;
  // Methods whose body sipnic must understand (offer/answer). Bodies of other
  // methods (MESSAGE, INFO, NOTIFY, ...) are relayed as they are.
  std::vector<std::string> session_methods = {"INVITE", "ACK", "PRACK", "UPDATE"};
  // sipnic forwards requests (B2BUA legs), so Max-Forwards 0 is answered 483
  // (RFC 3261 §16.3 step 3), OPTIONS included (RFC 4475 zeromf).
  bool reject_zero_max_forwards = true;
};

// Syntax and semantics of the values the transaction layer relies on; for a
// request also the acceptance checks of RFC 3261 §8.2 against `policy`.
Verdict validate(const MessageView& msg, const ValidationPolicy& policy = {});

// The verdict for bytes the engine rejected: 400 for a request-looking
// segment (a reply may not be possible without Via, but the code is right),
// kDrop otherwise. `is_request` is a hint from the first bytes.
Verdict verdict_for_parse_error(offload::ParseError e, bool is_request);

}  // namespace sipnic::sip
