// A call's SETUP in both directions: pri::CallSetup (call_events.h) into
// the IEs of a SETUP for a switch variant and side, and a received SETUP's
// IEs back into a CallSetup; also the few per-message values that the call
// control's events carry (progress, display, connected number). The
// variant's quirks come from its VariantTraits:
//   calling name   a Display IE where the variant carries names in one
//                  (with the display type octet on the North American
//                  variants, cut to the variant's length); the Facility
//                  (ROSE callingName) carriers send no name yet, and a
//                  received Display IE (codeset 0 or 6) is read as the name
//                  where the variant reads names from Display;
//   calling number a presentation-allowed, user-provided number goes out
//                  "network provided" where DMS-100 and 4ESS want it;
//   Sending complete only where the variant sends it en bloc (EuroISDN).
// Nothing here throws; IEs the codec has already checked are read with
// their typed decoders, and one that still fails to decode is left out.
#pragma once

#include <optional>
#include <string>

#include "pri/call_events.h"
#include "pri/line_type.h"
#include "pri/q931_ie_channel.h"
#include "pri/q931_message.h"
#include "pri/side.h"
#include "pri/switch_variant.h"

namespace sipnic::pri::q931 {

// Adds the IEs of `setup` (all but channel identification) to `m`, a SETUP
// that `side` sends.
void add_setup_ies(Message& m, const CallSetup& setup, const VariantTraits& variant, Side side);

// A received SETUP's parties and service. `line` and `variant` for the
// number and channel quirks.
CallSetup read_setup(const Message& m, const VariantTraits& variant);

// The channel identification of `m`, if it has a valid one.
std::optional<ChannelIdentification> read_channel(const Message& m, const VariantTraits& variant, LineType line);
// The first progress indicator's description (ITU-T coded or not).
std::optional<std::uint8_t> read_progress(const Message& m);
// The cause of `m`, if any.
std::optional<CauseIe> read_cause(const Message& m);
// The text of a Display IE (codeset 0, or 6 where the variant reads it).
std::optional<std::string> read_display(const Message& m, const VariantTraits& variant);
std::optional<PartyNumber> read_connected_number(const Message& m, const VariantTraits& variant);
// Called party number digits and keypad facility digits of an INFORMATION, in that order.
std::string read_digits(const Message& m);
// The IEs a consumer gets raw: Facility and every IE of a codeset above 0.
std::vector<InformationElement> read_passed_through(const Message& m);

}  // namespace sipnic::pri::q931
