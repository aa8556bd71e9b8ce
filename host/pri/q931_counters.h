// What one Q.931 call control has done, as plain numbers: the span exports
// them (sipnic status, the metrics registry) and tests read them. Written
// only by the call control, on its event loop's thread.
#pragma once

#include <cstdint>

namespace sipnic::pri {

struct Q931Counters {
  std::uint64_t messages_in = 0;        // DL-DATA-INDICATIONs
  std::uint64_t messages_out = 0;       // messages handed to the link
  std::uint64_t send_refused = 0;       // of them, refused by the link (down, queue full)
  std::uint64_t ignored = 0;            // dropped as Q.931 §5.8 says (too short, bad header, ...)
  std::uint64_t protocol_errors = 0;    // answered with STATUS or RELEASE COMPLETE for an error of §5.8
  std::uint64_t unknown_call_reference = 0;  // §5.8.3.2: messages for no call
  std::uint64_t out_of_state = 0;       // §5.8.4: STATUS 101 sent
  std::uint64_t calls_in = 0;           // SETUPs received and accepted
  std::uint64_t calls_out = 0;          // SETUPs sent
  std::uint64_t calls_refused = 0;      // incoming SETUPs refused (no channel, bad bearer, ...)
  std::uint64_t calls_answered = 0;     // calls that became active
  // An incoming SETUP for the channel of this side's own unanswered SETUP:
  // on the user side the network's call took it, on the network side the
  // user's call got cause 44 or another channel.
  std::uint64_t glares = 0;
  std::uint64_t restarts_in = 0;        // RESTARTs received
  std::uint64_t restarts_out = 0;       // RESTARTs sent (retransmissions included)
  std::uint64_t restart_failures = 0;   // RESTARTs never acknowledged (channels out of service)
  std::uint64_t services_in = 0;        // SERVICE received
  std::uint64_t services_out = 0;       // SERVICE sent
  std::uint64_t timer_expiries = 0;     // call timers (T301-T322) expired
  std::uint64_t release_failures = 0;   // RELEASEs never completed (T308 twice: channel out of service)
  std::uint64_t link_losses = 0;        // DL-RELEASE-INDICATIONs
};

}  // namespace sipnic::pri
