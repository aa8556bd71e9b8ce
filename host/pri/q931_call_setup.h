// A call's SETUP in both directions: pri::CallSetup (call_events.h) into
// the IEs of a SETUP for a switch variant and side, and a received SETUP's
// IEs back into a CallSetup; also the few per-message values that the call
// control's events carry (progress, display, connected number). The
// variant's quirks come from its VariantTraits:
//   calling name   sent where the variant's NameCarrier for this side
//                  says: a Display IE (with the display type octet on the
//                  North American variants), or a Facility IE with a ROSE
//                  callingName Invoke (q931_facility.h: QSIG's form on
//                  QSIG, NI-2's on the NI-2 network side), restricted when
//                  the calling number is, allowed otherwise; cut to the
//                  variant's length either way. Received, on the variants
//                  that carry names in Facility either way (NI-2, QSIG), a
//                  callingName in a codeset 0 Facility IE of the SETUP is
//                  the name when its presentation is allowed, and no name
//                  when it is restricted or not available; without one, a
//                  received Display IE (codeset 0 or 6) is the name where
//                  the variant reads names from Display. The Facility IEs
//                  stay in passed_through as before. CallSetup has no
//                  name presentation of its own: a restricted name is not
//                  delivered, and a Facility name sent takes the calling
//                  number's presentation (a Display name has none);
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
#include "pri/q931_facility.h"
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
// The first callingName of a codeset 0 Facility IE of `m`, where the
// variant carries names in Facility (in either direction); any message,
// e.g. the FACILITY that libpri's NI-2 network side sends after its SETUP.
std::optional<CallingName> read_calling_name_facility(const Message& m, const VariantTraits& variant);
std::optional<PartyNumber> read_connected_number(const Message& m, const VariantTraits& variant);
// Called party number digits and keypad facility digits of an INFORMATION, in that order.
std::string read_digits(const Message& m);
// The IEs a consumer gets raw: Facility and every IE of a codeset above 0.
std::vector<InformationElement> read_passed_through(const Message& m);

}  // namespace sipnic::pri::q931
