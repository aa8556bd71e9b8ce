// Q.931 call states (ITU-T Q.931 §2.1 user side U0-U25, §2.2 network side
// N0-N25) as PRI basic call has them: the numbers are the call state IE's
// values (Q.931 §4.5.7), which STATUS carries, so one enum serves both
// sides; the side only changes the name. Suspend/resume (U15/U17) and the
// restart states (REST 1/2 of the global call reference) are named but no
// call enters them; N22 (call abort) is not entered on PRI either.
#pragma once

#include <cstdint>
#include <string_view>

#include "pri/q931_ie.h"
#include "pri/side.h"

namespace sipnic::pri {

// The call state IE's values (q931_ie.h) are the states: one list.
using CallState = q931::CallStateValue;

// "U10 active", "N3 outgoing call proceeding".
std::string_view call_state_name(Side side, CallState s);
// Whether a call state IE value is one of Q.931's call states (those a
// STATUS about a call may report).
bool is_call_state_value(std::uint8_t value);

// States in which the call is being cleared (DISCONNECT or RELEASE sent or
// received).
constexpr bool is_clearing(CallState s) {
  return s == CallState::kDisconnectRequest || s == CallState::kDisconnectIndication ||
         s == CallState::kReleaseRequest || s == CallState::kCallAbort;
}

}  // namespace sipnic::pri
