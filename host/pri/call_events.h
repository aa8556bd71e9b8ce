// What a span's Q.931 call control tells the layers above about its calls
// (interwork, the span peer, tests), and what they give it to place a call:
// the seam between the PRI protocol and whatever consumes calls. The values
// are typed IEs (q931_ie*.h) so that a consumer never reads octets; IEs the
// call control does not interpret (Facility, codesets 5-7 where the variant
// passes them through) travel raw in `passed_through`, in message order.
//
// One call's events come in this order: kIncomingSetup (incoming) or the
// answers to setup() (outgoing: kSetupAcknowledged, kProceeding,
// kAlerting, kProgress in the order the far end sends them), kConnected,
// then kDisconnecting (the far end sent DISCONNECT; not sent when this side
// began clearing, nor for a RELEASE or RELEASE COMPLETE the far end clears
// with at once) and always, last, kReleased: the call and its channel are
// gone.
// kInformation, kNotify, kFacility and kProgress may come between.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pri/call_id.h"
#include "pri/q850_cause.h"
#include "pri/q931_ie.h"
#include "pri/q931_ie_bearer.h"
#include "pri/q931_ie_numbers.h"

namespace sipnic::pri {

// A call's parties and service as a SETUP carries them.
struct CallSetup {
  q931::BearerCapability bearer = q931::speech_bearer(q931::Layer1Protocol::kG711ALaw);
  q931::CalledPartyNumber called;
  // Sending complete: the called number is complete (en bloc). Without it,
  // an incoming call may continue with overlap digits (kInformation).
  bool sending_complete = true;
  std::optional<q931::PartyNumber> calling;
  std::optional<q931::RedirectingNumber> redirecting;
  std::string calling_name;  // "" = none; sent the way the switch variant carries names
  std::optional<q931::ProgressDescription> progress;  // e.g. origination not ISDN, for a call from SIP
  std::optional<q931::HighLayerCompatibilityIe> high_layer_compatibility;
  std::optional<q931::UserUserIe> user_user;
  std::vector<q931::InformationElement> passed_through;
  bool operator==(const CallSetup&) const = default;
};

// An outgoing call: setup() of the call control.
struct OutgoingCall {
  CallSetup setup;
  std::optional<std::uint8_t> channel;  // none: hunted
  // NFAS: the channel's interface identifier (with a channel), or the one
  // interface to hunt (without); none: the D-channel's own interface for a
  // channel, every interface in turn for hunting.
  std::optional<std::uint8_t> interface;
  // The user side may offer its channel as preferred (the network may pick
  // another) or exclusive; the network side always sends it exclusive.
  bool exclusive = false;
};

enum class CallEventType : std::uint8_t {
  kIncomingSetup,       // a SETUP from the far end: answer with setup_acknowledge/proceeding/alerting/answer or clear
  kSetupAcknowledged,   // SETUP ACKNOWLEDGE: overlap sending, send information()
  kProceeding,          // CALL PROCEEDING
  kAlerting,            // ALERTING
  kProgress,            // PROGRESS (also a progress indicator in another message, see `progress`)
  kConnected,           // outgoing: CONNECT received; incoming: CONNECT ACKNOWLEDGE received (or, network side, CONNECT sent)
  kInformation,         // INFORMATION: overlap digits, keypad, sending complete
  kNotify,              // NOTIFY
  kFacility,            // FACILITY (its IEs raw in passed_through)
  kDisconnecting,       // the far end sent DISCONNECT (in-band tones may follow: `inband`)
  kReleased,            // the call is gone; last event of every call
};
std::string_view call_event_name(CallEventType t);  // "incoming-setup", ...

struct CallEvent {
  CallEventType type = CallEventType::kReleased;
  CallId call = kNoCall;
  std::uint8_t channel = 0;  // the B-channel (0: none yet)
  std::uint8_t interface = 0;  // its interface (NFAS; 0 on a span of its own)
  // kIncomingSetup: what the SETUP carries.
  const CallSetup* setup = nullptr;
  // kDisconnecting, kReleased: why (the far end's cause, or the one this
  // side cleared with or that a timer gave), and where it comes from.
  std::optional<Cause> cause;
  std::optional<q931::Location> location;
  bool cleared_here = false;  // kReleased: this side began the clearing
  // A progress indicator's description (in-band information: 8).
  std::optional<std::uint8_t> progress;
  bool inband = false;  // progress 1 or 8 (in-band tones or announcements on the B-channel)
  // kInformation: digits (called party number or keypad), and Sending complete.
  std::string digits;
  bool sending_complete = false;
  // kConnected (outgoing): the connected number, if given.
  std::optional<q931::PartyNumber> connected;
  // kNotify: the notification description.
  std::optional<std::uint8_t> notification;
  std::optional<std::string> display;  // a Display IE's text in the message
  std::vector<q931::InformationElement> passed_through;
};

}  // namespace sipnic::pri
