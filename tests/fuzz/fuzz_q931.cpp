// libFuzzer target: the input as one Q.931 message (the contents of a
// Q.921 I frame), decoded under every switch variant, received by either
// side. Checked:
//   - nothing reads outside the input, leaks or trips UBSan (ASan/UBSan);
//   - the classification is consistent: an ignored message carries no
//     cause, a mandatory-IE class error names the IEs in its diagnostic, an
//     unknown message type names the type;
//   - an accepted message encodes, and the encoding decodes to the same
//     message (the decoder keeps nothing the encoder cannot say);
//   - every IE the decoder kept decodes with its typed decoder, and a typed
//     value encodes to octets that decode to the same value.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "pri/q931_ie.h"
#include "pri/q931_ie_bearer.h"
#include "pri/q931_ie_channel.h"
#include "pri/q931_ie_numbers.h"
#include "pri/q931_message.h"

namespace {

using namespace sipnic::pri;
using namespace sipnic::pri::q931;

void check(bool ok) {
  if (!ok) std::abort();
}

// A typed value that decoded must survive encoding.
template <class Decode, class Encode>
void round_trip(std::span<const std::uint8_t> contents, Decode decode, Encode encode) {
  auto d = decode(contents);
  if (!d.ok()) return;
  auto again = decode(encode(*d).contents);
  check(again.ok() && *again == *d);
}

void typed(const InformationElement& e, const DecodeOptions& o) {
  if (e.codeset != 0) return;
  const NumberDecodeOptions numbers{.octet3_extension_quirk = o.variant->number_octet3_extension_quirk};
  const ChannelDecodeOptions channel{.line = o.line,
                                     .interface_identifier_allowed = o.variant->channel_interface_identifier};
  const auto& c = e.contents;
  auto plain = [](const auto& v) { return to_ie(v); };
  switch (e.id) {
    case ie::kBearerCapability: round_trip(c, decode_bearer_capability, plain); break;
    case ie::kCause: round_trip(c, decode_cause, plain); break;
    case ie::kCallState: round_trip(c, decode_call_state, plain); break;
    case ie::kChannelIdentification:
      round_trip(c, [&](auto x) { return decode_channel_identification(x, channel); },
                 [&](const auto& v) { return to_ie(v, o.line); });
      break;
    case ie::kFacility: round_trip(c, decode_facility, plain); break;
    case ie::kProgressIndicator: round_trip(c, decode_progress_indicator, plain); break;
    case ie::kNotificationIndicator:
      round_trip(c, [&](auto x) { return decode_notification_indicator(x, o.variant->extended_notifications); },
                 plain);
      break;
    case ie::kDisplay: round_trip(c, decode_display, plain); break;
    case ie::kDateTime: round_trip(c, decode_date_time, plain); break;
    case ie::kKeypadFacility: round_trip(c, decode_keypad_facility, plain); break;
    case ie::kSignal: round_trip(c, decode_signal, plain); break;
    case ie::kConnectedNumber:
      round_trip(c, [&](auto x) { return decode_connected_number(x, numbers); }, to_connected_number_ie);
      break;
    case ie::kCallingPartyNumber:
      round_trip(c, [&](auto x) { return decode_calling_party_number(x, numbers); }, to_calling_party_number_ie);
      break;
    case ie::kCalledPartyNumber: round_trip(c, decode_called_party_number, to_called_party_number_ie); break;
    case ie::kRedirectingNumber:
      round_trip(c, [&](auto x) { return decode_redirecting_number(x, numbers); }, to_redirecting_number_ie);
      break;
    case ie::kRestartIndicator: round_trip(c, decode_restart_indicator, plain); break;
    case ie::kHighLayerCompatibility: round_trip(c, decode_high_layer_compatibility, plain); break;
    case ie::kUserUser: round_trip(c, decode_user_user, plain); break;
    case ie::kChangeStatus: round_trip(c, decode_change_status, plain); break;
    default: break;
  }
}

void decode_as(std::span<const std::uint8_t> octets, const DecodeOptions& o) {
  const DecodedMessage d = decode_message(octets, o);
  check(d.ok() == (d.problem == Problem::kNone));
  switch (d.problem) {
    case Problem::kNone:
      break;
    case Problem::kTooShort:
    case Problem::kProtocolDiscriminator:
    case Problem::kCallReferenceFormat:
    case Problem::kDummyCallReferenceNotAllowed:
    case Problem::kSetupCallReferenceFlag:
    case Problem::kGlobalCallReferenceRequired:
      check(d.answer == Answer::kIgnore && !d.cause);
      return;
    case Problem::kGlobalCallReferenceNotAllowed:
      check(d.answer == Answer::kStatus && d.cause == Cause::kInvalidCallReference && d.header_decoded);
      return;
    case Problem::kUnknownMessageType:
      check(d.header_decoded && d.diagnostic.size() == 1 && d.diagnostic[0] == d.message_type_code);
      return;
    case Problem::kMandatoryIeMissing:
    case Problem::kMandatoryIeContentError:
    case Problem::kComprehensionRequiredIe:
      check(d.cause.has_value() && !d.diagnostic.empty());
      return;
  }
  for (const auto& e : d.message.ies) typed(e, o);
  std::vector<std::uint8_t> encoded;
  check(encode_message(d.message, encoded));
  const DecodedMessage again = decode_message(encoded, o);
  check(again.ok() && again.message == d.message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> octets(data, size);
  for (const auto& v : all_variants()) {
    for (auto direction : {Direction::kNetworkToUser, Direction::kUserToNetwork}) {
      DecodeOptions o;
      o.variant = &v;
      o.line = v.usual_line;
      o.direction = direction;
      o.first_response_to_setup = size % 2 == 1;
      o.first_clearing_message = size % 3 == 1;
      decode_as(octets, o);
    }
  }
  return 0;
}
