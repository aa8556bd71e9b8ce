// Q.931 messages (ITU-T Q.931 §4): encode, and decode with the error
// classification of §5.8, so that the call state machine answers a bad
// message the way the standard says without looking at its octets.
//
//   octet 1   protocol discriminator (0x08; 0x03 / 0x43 for SERVICE)
//   octet 2   0000 | call reference length (0 dummy, 1, 2 on PRI)
//   octets    call reference value, the first octet's bit 8 the flag
//   next      message type (bit 8 clear)
//   then      information elements: variable-length ones (identifier,
//             length, contents) and single-octet ones (bit 8 set), with
//             locking (1001 0xxx) and non-locking (1001 1xxx) shifts
//             selecting the codeset of what follows.
//
// Decoding reads only inside the span it is given. What it finds, in
// §5.8's order:
//   §5.8.1  too short for a message type                    -> ignore
//   §5.8.2  protocol discriminator not Q.931 (nor the variant's
//           maintenance one)                                 -> ignore
//   §5.8.3.1 call reference octet 2 bits 8-5 not 0000, or a length this
//           interface does not use                           -> ignore
//           dummy call reference where not allowed            -> ignore
//           SETUP with the flag set (§5.8.3.2 d)              -> ignore
//           RESTART / SERVICE without the global one          -> ignore
//   §5.8.3.2 f global call reference where not allowed        -> STATUS 81
//   §5.8.4  unknown message type                              -> STATUS 97
//   §5.8.6.1 mandatory IE missing                             -> 96
//   §5.8.6.2 mandatory IE with a content error (a too long one
//           included)                                         -> 100
//   §5.8.7.1 unrecognised IE with comprehension required      -> 99
// where 96/100/99 are answered, by message: SETUP with RELEASE COMPLETE;
// DISCONNECT, RELEASE and RELEASE COMPLETE are acted on as if they carried
// cause 31 and the usual answer (RELEASE, RELEASE COMPLETE, none) carries
// the cause; any other message gets a STATUS and changes nothing. The
// call-state checks of §5.8.3.2 (an unknown call reference: RELEASE
// COMPLETE 81) and §5.8.4 (a message out of state: 98/101) are the state
// machine's.
//
// A message without those errors is acted on, with warnings:
//   §5.8.5.1 IEs out of sequence: kept and acted on (the standard lets the
//           receiver choose), listed;
//   §5.8.5.2 repetitions beyond what the IE allows: ignored, listed;
//   §5.8.7.1 unrecognised IEs: ignored, listed; STATUS 99 may be sent
//           (DISCONNECT and RELEASE: their answer carries 99);
//   §5.8.7.2 non-mandatory IEs with content errors: ignored, listed; STATUS
//           100 may be sent (43 if only access information was too long);
//   codesets 1-3 (reserved), codesets 4-7 as the variant says, and with
//   4ESS / 5ESS everything behind a non-locking shift: skipped, counted.
// A locking shift to codeset 0 or to a lower codeset is ignored (Q.931
// §4.5.3: locking shifts only go up), counted; a locking shift right after
// a non-locking one counts as the locking shift alone (§4.5.4).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pri/line_type.h"
#include "pri/q850_cause.h"
#include "pri/q931_ie.h"
#include "pri/q931_message_types.h"
#include "pri/switch_variant.h"

namespace sipnic::pri::q931 {

struct CallReference {
  std::uint8_t length = 2;  // octets: 0 is the dummy call reference; 2 on PRI
  std::uint16_t value = 0;  // 15 bits (7 for a one-octet reference); 0 is the global call reference
  // false: sent by the side that allocated the value; true: sent to it.
  bool flag = false;
  bool is_dummy() const { return length == 0; }
  bool is_global() const { return length != 0 && value == 0; }
  bool operator==(const CallReference&) const = default;
};

struct Message {
  std::uint8_t protocol_discriminator = kQ931ProtocolDiscriminator;
  CallReference call_reference;
  MessageType type = MessageType::kSetup;
  // In message order; each IE with its codeset. Shifts are not listed.
  std::vector<InformationElement> ies;

  // The first IE `id` of `codeset`, or nullptr.
  const InformationElement* find(std::uint8_t id, std::uint8_t codeset = 0) const;
  std::size_t count(std::uint8_t id, std::uint8_t codeset = 0) const;
  // Adds an IE where Q.931 §4.5.1 orders it: codeset by codeset ascending,
  // variable-length IEs by identifier within their codeset (after those
  // already there with the same identifier), single-octet IEs first in
  // their codeset (Q.931 lets them go anywhere; this is where the §3
  // tables list Sending complete). A repeat indicator therefore lands
  // first too: build such a list in `ies` directly.
  void add(InformationElement e);
  bool operator==(const Message&) const = default;
};

// A message for `variant`: the SERVICE messages get its maintenance
// protocol discriminator and the global call reference (keeping `flag`),
// the others Q.931's. A SERVICE message for a variant without maintenance
// keeps 0x08, under which encode_message refuses it.
Message make_message(MessageType type, CallReference call_reference, const VariantTraits& variant);

// Appends the octets of `m` to `out`. Returns false and appends nothing
// when `m` cannot be encoded: its type does not exist under its protocol
// discriminator, a call reference length other than 0, 1 or 2, an IE of
// more than 255 octets or of a codeset other than 0-7, a shift given as an
// IE, or a single-octet IE with more contents than its value nibble.
bool encode_message(const Message& m, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode_message(const Message& m);  // empty when encode_message would fail

// What the receiver does (see the top of this file).
enum class Answer : std::uint8_t {
  kProcess,             // act on it
  kProcessThenStatus,   // act on it; a STATUS with `cause` and `diagnostic` may be sent
  kProcessClearWithCause,  // act on it (DISCONNECT / RELEASE); its answer carries `cause`
  kIgnore,              // drop it silently (a debug log line)
  kStatus,              // do not act; send STATUS with `cause` on its call reference
  kReleaseComplete,     // do not act (a SETUP); send RELEASE COMPLETE with `cause`
  kClearAsNormal,       // act as if it carried cause 31; its answer carries `cause`
};
std::string_view answer_name(Answer a);

enum class Problem : std::uint8_t {
  kNone,
  kTooShort,                        // §5.8.1
  kProtocolDiscriminator,           // §5.8.2
  kCallReferenceFormat,             // §5.8.3.1
  kDummyCallReferenceNotAllowed,    // §5.8.3.1 (format for this message)
  kSetupCallReferenceFlag,          // §5.8.3.2 d
  kGlobalCallReferenceRequired,     // §5.8.3.1 (format for this message)
  kGlobalCallReferenceNotAllowed,   // §5.8.3.2 f
  kUnknownMessageType,              // §5.8.4
  kMandatoryIeMissing,              // §5.8.6.1
  kMandatoryIeContentError,         // §5.8.6.2
  kComprehensionRequiredIe,         // §5.8.7.1
};
std::string_view problem_name(Problem p);  // for logs: "mandatory IE missing (Q.931 5.8.6.1)"

struct DecodeWarnings {
  std::vector<std::uint8_t> unrecognised;     // codeset 0 identifiers, in message order (§5.8.7.1)
  std::vector<std::uint8_t> content_errors;   // codeset 0 identifiers of ignored IEs (§5.8.7.2)
  std::vector<std::uint8_t> too_long_access;  // those of them that were access information too long
  std::vector<std::uint8_t> out_of_sequence;  // kept (§5.8.5.1)
  std::vector<std::uint8_t> repeated;         // ignored repetitions (§5.8.5.2)
  std::uint16_t skipped = 0;                  // IEs of skipped codesets / behind ignored shifts
  std::uint16_t shift_errors = 0;             // ignored locking shifts
  std::string_view first_content_error;       // the first content error's reason, for the log
  bool any() const {
    return !unrecognised.empty() || !content_errors.empty() || !out_of_sequence.empty() || !repeated.empty() ||
           skipped != 0 || shift_errors != 0;
  }
};

struct DecodeOptions {
  const VariantTraits* variant = &variant_traits(SwitchVariant::kEuroIsdnE1);  // never null
  LineType line = LineType::kE1;
  // The direction of the received message: a user (TE) side receives
  // network-to-user messages.
  Direction direction = Direction::kNetworkToUser;
  std::uint8_t call_reference_length = 2;  // PRI
  // Set by the state machine for the conditional IEs of Q.931 §3 (Presence).
  bool first_response_to_setup = false;
  bool first_clearing_message = false;
};

struct DecodedMessage {
  // As far as decoded: the protocol discriminator and call reference once
  // read (`header_decoded`), the message type unless it was unknown, and
  // the IEs that are valid (IEs with content errors, unrecognised ones and
  // ignored repetitions are left out).
  Message message;
  bool header_decoded = false;         // the call reference is in `message` (a STATUS can go back on it)
  std::uint8_t message_type_code = 0;  // the octet as received (for an unknown one, the diagnostic)
  Problem problem = Problem::kNone;
  Answer answer = Answer::kProcess;
  std::optional<Cause> cause;            // the cause the answer carries
  std::vector<std::uint8_t> diagnostic;  // its diagnostic: IE identifiers, or the message type
  DecodeWarnings warnings;
  bool ok() const { return problem == Problem::kNone; }
};

DecodedMessage decode_message(std::span<const std::uint8_t> octets, const DecodeOptions& options);

}  // namespace sipnic::pri::q931
