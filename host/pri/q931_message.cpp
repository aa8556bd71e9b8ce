#include "pri/q931_message.h"

#include <algorithm>
#include <array>

#include "pri/q931_ie_catalogue.h"

namespace sipnic::pri::q931 {

namespace {

constexpr std::uint8_t kNonLockingShift = 0x08;
constexpr std::uint8_t kFlag = 0x80;

bool is_shift(std::uint8_t octet) { return (octet & 0xF0) == ie::kShift; }
bool is_type2(std::uint8_t id) { return (id & 0xF0) == 0xA0; }

// Sort key of Message::add: codeset, then single-octet IEs before the
// variable-length ones, then the identifier.
int order_key(const InformationElement& e) {
  return e.codeset * 512 + (is_single_octet_ie(e.id) ? 0 : 256 + e.id);
}

bool contains(const std::vector<std::uint8_t>& v, std::uint8_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

// ---------------------------------------------------------------- Message

const InformationElement* Message::find(std::uint8_t id, std::uint8_t codeset) const {
  for (const auto& e : ies)
    if (e.id == id && e.codeset == codeset) return &e;
  return nullptr;
}

std::size_t Message::count(std::uint8_t id, std::uint8_t codeset) const {
  return static_cast<std::size_t>(
      std::count_if(ies.begin(), ies.end(), [&](const auto& e) { return e.id == id && e.codeset == codeset; }));
}

void Message::add(InformationElement e) {
  const int key = order_key(e);
  auto at = std::find_if(ies.begin(), ies.end(), [&](const auto& x) { return order_key(x) > key; });
  ies.insert(at, std::move(e));
}

Message make_message(MessageType type, CallReference call_reference, const VariantTraits& variant) {
  Message m;
  m.type = type;
  m.call_reference = call_reference;
  if (type == MessageType::kService || type == MessageType::kServiceAcknowledge) {
    if (variant.maintenance) m.protocol_discriminator = variant.maintenance->protocol_discriminator;
    m.call_reference.value = 0;
    if (m.call_reference.length == 0) m.call_reference.length = 2;
  }
  return m;
}

// ---------------------------------------------------------------- encode

bool encode_message(const Message& m, std::vector<std::uint8_t>& out) {
  const auto code = message_type_code(m.type, m.protocol_discriminator);
  const auto& cr = m.call_reference;
  if (!code || cr.length > 2) return false;
  for (const auto& e : m.ies) {
    if (e.codeset > 7 || e.contents.size() > 255) return false;
    if (is_single_octet_ie(e.id) && (is_shift(e.id) || e.contents.size() > (is_type2(e.id) ? 0u : 1u))) return false;
  }
  out.push_back(m.protocol_discriminator);
  out.push_back(cr.length);
  if (cr.length == 1) {
    out.push_back(static_cast<std::uint8_t>((cr.flag ? kFlag : 0) | (cr.value & 0x7F)));
  } else if (cr.length == 2) {
    out.push_back(static_cast<std::uint8_t>((cr.flag ? kFlag : 0) | ((cr.value >> 8) & 0x7F)));
    out.push_back(static_cast<std::uint8_t>(cr.value & 0xFF));
  }
  out.push_back(*code);
  // Shifts, as libpri makes them: a locking shift up to a higher codeset,
  // a non-locking shift for one IE of a lower codeset (codeset 0 among
  // them, which no locking shift can return to).
  std::uint8_t active = 0;
  for (const auto& e : m.ies) {
    if (e.codeset > active) {
      out.push_back(static_cast<std::uint8_t>(ie::kShift | e.codeset));
      active = e.codeset;
    } else if (e.codeset < active) {
      out.push_back(static_cast<std::uint8_t>(ie::kShift | kNonLockingShift | e.codeset));
    }
    if (is_single_octet_ie(e.id)) {
      out.push_back(is_type2(e.id) ? e.id
                                   : static_cast<std::uint8_t>((e.id & 0xF0) |
                                                               (e.contents.empty() ? 0 : e.contents[0] & 0x0F)));
    } else {
      out.push_back(e.id);
      out.push_back(static_cast<std::uint8_t>(e.contents.size()));
      out.insert(out.end(), e.contents.begin(), e.contents.end());
    }
  }
  return true;
}

std::vector<std::uint8_t> encode_message(const Message& m) {
  std::vector<std::uint8_t> out;
  if (!encode_message(m, out)) out.clear();
  return out;
}

// ---------------------------------------------------------------- names

std::string_view answer_name(Answer a) {
  switch (a) {
    case Answer::kProcess: return "process";
    case Answer::kProcessThenStatus: return "process, then STATUS";
    case Answer::kProcessClearWithCause: return "process; the clearing answer carries the cause";
    case Answer::kIgnore: return "ignore";
    case Answer::kStatus: return "STATUS";
    case Answer::kReleaseComplete: return "RELEASE COMPLETE";
    case Answer::kClearAsNormal: return "clear as with cause 31; the clearing answer carries the cause";
  }
  return "unknown";
}

std::string_view problem_name(Problem p) {
  switch (p) {
    case Problem::kNone: return "none";
    case Problem::kTooShort: return "message too short (Q.931 5.8.1)";
    case Problem::kProtocolDiscriminator: return "protocol discriminator error (Q.931 5.8.2)";
    case Problem::kCallReferenceFormat: return "invalid call reference format (Q.931 5.8.3.1)";
    case Problem::kDummyCallReferenceNotAllowed: return "dummy call reference not allowed (Q.931 5.8.3.1)";
    case Problem::kSetupCallReferenceFlag: return "SETUP with the call reference flag set (Q.931 5.8.3.2 d)";
    case Problem::kGlobalCallReferenceRequired: return "message needs the global call reference (Q.931 5.8.3.1)";
    case Problem::kGlobalCallReferenceNotAllowed: return "global call reference not allowed (Q.931 5.8.3.2 f)";
    case Problem::kUnknownMessageType: return "message type non-existent or not implemented (Q.931 5.8.4)";
    case Problem::kMandatoryIeMissing: return "mandatory IE missing (Q.931 5.8.6.1)";
    case Problem::kMandatoryIeContentError: return "mandatory IE content error (Q.931 5.8.6.2)";
    case Problem::kComprehensionRequiredIe: return "unrecognised IE with comprehension required (Q.931 5.8.7.1)";
  }
  return "unknown";
}

// ---------------------------------------------------------------- decode

namespace {

DecodedMessage& fail(DecodedMessage& r, Problem p, Answer a, std::optional<Cause> cause = std::nullopt,
                     std::vector<std::uint8_t> diagnostic = {}) {
  r.problem = p;
  r.answer = a;
  r.cause = cause;
  r.diagnostic = std::move(diagnostic);
  return r;
}

// §5.8.6.1, §5.8.6.2, §5.8.7.1: how a message with a mandatory-IE class
// error is answered.
Answer mandatory_error_answer(MessageType t) {
  switch (t) {
    case MessageType::kSetup: return Answer::kReleaseComplete;
    case MessageType::kDisconnect:
    case MessageType::kRelease:
    case MessageType::kReleaseComplete: return Answer::kClearAsNormal;
    default: return Answer::kStatus;
  }
}

bool applies(const MandatoryIe& m, const DecodeOptions& o, const Message& msg) {
  if (!(o.direction == Direction::kNetworkToUser ? m.network_to_user : m.user_to_network)) return false;
  switch (m.presence) {
    case Presence::kAlways: return true;
    case Presence::kFirstResponseToSetup: return o.first_response_to_setup;
    case Presence::kFirstClearingMessage: return o.first_clearing_message;
    case Presence::kRestartOfIndicatedChannels: {
      const auto* ri = msg.find(ie::kRestartIndicator);
      if (!ri) return false;
      const auto d = decode_restart_indicator(ri->contents);
      return d && d->restart_class == RestartClass::kIndicatedChannels;
    }
  }
  return false;
}

// The IE loop's state and the handling of one IE.
class IeReader {
 public:
  IeReader(DecodedMessage& r, const DecodeOptions& o) : r_(r), o_(o), context_{o.variant, o.line} {}

  void read(std::span<const std::uint8_t> c) {
    std::size_t i = 0;
    while (i < c.size()) {
      const std::uint8_t octet = c[i];
      if (is_shift(octet)) {
        shift(octet);
        ++i;
        continue;
      }
      const std::uint8_t codeset = pending_ ? *pending_ : active_;
      const bool via_non_locking = pending_.has_value();
      pending_.reset();
      if (is_single_octet_ie(octet)) {
        InformationElement e{codeset, is_type2(octet) ? octet : static_cast<std::uint8_t>(octet & 0xF0), {}};
        if (!is_type2(octet)) e.contents.push_back(octet & 0x0F);
        ++i;
        take(std::move(e), via_non_locking);
        continue;
      }
      if (i + 2 > c.size() || i + 2 + c[i + 1] > c.size()) {
        // The last IE runs past the end of the message: a content error
        // of that IE (truncated contents).
        truncated(codeset, octet, via_non_locking);
        return;
      }
      const std::size_t len = c[i + 1];
      InformationElement e{codeset, octet,
                           std::vector<std::uint8_t>(c.begin() + static_cast<std::ptrdiff_t>(i + 2),
                                                     c.begin() + static_cast<std::ptrdiff_t>(i + 2 + len))};
      i += 2 + len;
      take(std::move(e), via_non_locking);
    }
  }

  // After the loop: §5.8.6 and §5.8.7.1 for the whole message.
  void finish() {
    Message& m = r_.message;
    std::vector<std::uint8_t> missing;
    std::vector<std::uint8_t> bad;
    for (const auto& mand : message_rules(m.type).mandatory) {
      if (!applies(mand, o_, m) || m.find(mand.id)) continue;
      (contains(mandatory_content_errors_, mand.id) ? bad : missing).push_back(mand.id);
    }
    const Answer answer = mandatory_error_answer(m.type);
    if (!missing.empty()) {
      fail(r_, Problem::kMandatoryIeMissing, answer, Cause::kMandatoryIeMissing, std::move(missing));
    } else if (!bad.empty()) {
      fail(r_, Problem::kMandatoryIeContentError, answer, Cause::kInvalidIeContents, std::move(bad));
    } else if (!comprehension_required_.empty()) {
      fail(r_, Problem::kComprehensionRequiredIe, answer, Cause::kIeNonExistent, comprehension_required_);
    } else {
      warnings_answer();
    }
  }

 private:
  void shift(std::uint8_t octet) {
    const std::uint8_t target = octet & 0x07;
    if (octet & kNonLockingShift) {
      pending_ = target;
      return;
    }
    pending_.reset();  // §4.5.4: a locking shift right after a non-locking one is the locking shift
    if (target == 0 || target < active_) {
      ++r_.warnings.shift_errors;  // §4.5.3: a locking shift only goes up, never to codeset 0
      return;
    }
    active_ = target;
  }

  void truncated(std::uint8_t codeset, std::uint8_t id, bool via_non_locking) {
    if (codeset != 0 || skip_shifted(via_non_locking)) {
      ++r_.warnings.skipped;
      return;
    }
    content_error(id, "information element runs past the end of the message", false);
  }

  bool skip_shifted(bool via_non_locking) const {
    return via_non_locking && o_.variant->skips_non_locking_shifted_ies;
  }

  void take(InformationElement e, bool via_non_locking) {
    if (skip_shifted(via_non_locking)) {
      ++r_.warnings.skipped;
      return;
    }
    if (e.codeset != 0) {
      if (o_.variant->codeset_policy(e.codeset) == CodesetPolicy::kSkip) {
        ++r_.warnings.skipped;
        return;
      }
      sequence(e);
      r_.message.ies.push_back(std::move(e));
      return;
    }
    sequence(e);
    const IeInfo* info = find_ie(e.id, *o_.variant);
    if (!info) {
      if (is_comprehension_required(0, e.id)) {
        comprehension_required_.push_back(e.id);
      } else {
        r_.warnings.unrecognised.push_back(e.id);
      }
      return;
    }
    if (seen_[e.id] < 255) ++seen_[e.id];  // saturates: an input may hold more than 255 of one IE
    if (seen_[e.id] > info->max_count) {
      r_.warnings.repeated.push_back(e.id);
      return;
    }
    if (e.contents.size() > info->max_octets) {
      content_error(e.id, "information element longer than Q.931 allows", info->access_information);
      return;
    }
    if (info->check) {
      if (auto why = info->check(e.contents, context_); !why.empty()) {
        content_error(e.id, why, false);
        return;
      }
    }
    r_.message.ies.push_back(std::move(e));
  }

  // §5.8.5.1: a variable-length IE with a lower identifier than the one
  // before it in its codeset.
  void sequence(const InformationElement& e) {
    if (is_single_octet_ie(e.id)) return;
    int& last = last_id_[e.codeset];
    if (e.id < last) {
      if (e.codeset == 0) r_.warnings.out_of_sequence.push_back(e.id);
    } else {
      last = e.id;
    }
  }

  void content_error(std::uint8_t id, std::string_view why, bool too_long_access) {
    if (r_.warnings.first_content_error.empty()) r_.warnings.first_content_error = why;
    r_.warnings.content_errors.push_back(id);
    if (too_long_access) r_.warnings.too_long_access.push_back(id);
    for (const auto& mand : message_rules(r_.message.type).mandatory)
      if (mand.id == id) mandatory_content_errors_.push_back(id);
  }

  // §5.8.7.1 / §5.8.7.2 for a message that is acted on.
  void warnings_answer() {
    const auto& w = r_.warnings;
    const MessageType t = r_.message.type;
    if (!w.unrecognised.empty()) {
      if (t == MessageType::kReleaseComplete) return;
      r_.answer = (t == MessageType::kDisconnect || t == MessageType::kRelease) ? Answer::kProcessClearWithCause
                                                                               : Answer::kProcessThenStatus;
      r_.cause = Cause::kIeNonExistent;
      r_.diagnostic = w.unrecognised;
      return;
    }
    if (!w.content_errors.empty()) {
      if (t == MessageType::kRelease || t == MessageType::kReleaseComplete) return;
      r_.answer = Answer::kProcessThenStatus;
      const bool only_access = w.too_long_access.size() == w.content_errors.size();
      r_.cause = only_access ? Cause::kAccessInformationDiscarded : Cause::kInvalidIeContents;
      r_.diagnostic = w.content_errors;
    }
  }

  DecodedMessage& r_;
  const DecodeOptions& o_;
  IeCheckContext context_;
  std::uint8_t active_ = 0;
  std::optional<std::uint8_t> pending_;
  std::array<int, 8> last_id_{-1, -1, -1, -1, -1, -1, -1, -1};
  std::array<std::uint8_t, 256> seen_{};
  std::vector<std::uint8_t> comprehension_required_;
  std::vector<std::uint8_t> mandatory_content_errors_;
};

}  // namespace

DecodedMessage decode_message(std::span<const std::uint8_t> c, const DecodeOptions& o) {
  DecodedMessage r;
  // §5.8.1: protocol discriminator, call reference and message type must fit.
  if (c.size() < 2 || c.size() < 3u + (c[1] & 0x0F)) return fail(r, Problem::kTooShort, Answer::kIgnore);
  // §5.8.2
  const std::uint8_t pd = c[0];
  const bool maintenance_pd =
      o.variant->maintenance && pd == o.variant->maintenance->protocol_discriminator;
  if (pd != kQ931ProtocolDiscriminator && !maintenance_pd)
    return fail(r, Problem::kProtocolDiscriminator, Answer::kIgnore);
  r.message.protocol_discriminator = pd;
  // §5.8.3.1
  const std::uint8_t crlen = c[1] & 0x0F;
  if ((c[1] & 0xF0) != 0 || (crlen != 0 && crlen != o.call_reference_length) || crlen > 2)
    return fail(r, Problem::kCallReferenceFormat, Answer::kIgnore);
  CallReference& cr = r.message.call_reference;
  cr.length = crlen;
  if (crlen >= 1) {
    cr.flag = (c[2] & kFlag) != 0;
    cr.value = c[2] & 0x7F;
    if (crlen == 2) cr.value = static_cast<std::uint16_t>(cr.value << 8 | c[3]);
  }
  r.header_decoded = true;
  // §5.8.4
  r.message_type_code = c[2 + crlen];
  const auto type = message_type_from_code(pd, r.message_type_code);
  if (!type)
    return fail(r, Problem::kUnknownMessageType, Answer::kStatus, Cause::kMessageTypeNonExistent,
                {r.message_type_code});
  r.message.type = *type;
  // The call reference against the message.
  const MessageRules& rules = message_rules(*type);
  if (cr.is_dummy() && !rules.dummy_call_reference)
    return fail(r, Problem::kDummyCallReferenceNotAllowed, Answer::kIgnore);
  if (*type == MessageType::kSetup && cr.flag) return fail(r, Problem::kSetupCallReferenceFlag, Answer::kIgnore);
  if (rules.requires_global_call_reference && !cr.is_global())
    return fail(r, Problem::kGlobalCallReferenceRequired, Answer::kIgnore);
  if (cr.is_global() && !rules.global_call_reference)
    return fail(r, Problem::kGlobalCallReferenceNotAllowed, Answer::kStatus, Cause::kInvalidCallReference);

  IeReader reader(r, o);
  reader.read(c.subspan(3 + crlen));
  reader.finish();
  return r;
}

}  // namespace sipnic::pri::q931
