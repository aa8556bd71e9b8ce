// pri::Q931CallControl: the Q.931 layer 3 of one D-channel on the user (TE)
// or the network (NT) side: the call states of Q.931 §2 (U0-U25 / N0-N25)
// for PRI basic circuit-switched calls, en bloc and overlap, both
// directions; the timers T301-T322; the error procedures of §5.8 (the codec
// classifies, this answers); RESTART (§5.5) and the North American SERVICE
// maintenance messages on the global call reference; and the reaction to
// the data link going down and up (§5.8.8, T309). It drives a
// pri::BChannelPool (which channel is free, in use, restarting, in
// maintenance) and reports each call to the layer above through
// CallEvents (call_events.h); the layer above answers with the request
// functions below. Its B-channels are those of ChannelInterfaces: one
// span's pool, or (NFAS) the pools of every span the D-channel signals for,
// each channel then named with its interface identifier.
//
// Where Q.931 leaves a choice, sipnic takes libpri's, so that the two
// interwork the way carriers' libpri/Asterisk boxes already do:
//   - T303 twice without an answer: the call is cleared internally (no
//     message), cause 18;
//   - a CONNECT is always answered with CONNECT ACKNOWLEDGE, on both sides;
//   - a DISCONNECT is answered with RELEASE at once (in-band tones after a
//     DISCONNECT are reported, `inband`, not waited for), and the RELEASE
//     repeats the DISCONNECT's cause;
//   - data link lost: calls not yet active are cleared internally at once,
//     active ones kept for T309 (0: cleared at once), all with cause 27;
//     when the link comes back, each kept call sends STATUS (cause 31);
//     the line of an NFAS interface lost (its B-channels, the D-channel
//     elsewhere): the same with cause 41, sent to the far end, as
//     chan_dahdi clears the calls of a span in alarm unless T309 runs;
//   - a STATUS from the peer clears the call only when it reports the Null
//     state (§5.8.11; other state mismatches are logged);
//   - one RESTART outstanding at a time; others wait their turn.
// And sipnic's own:
//   - every first answer to a SETUP carries channel identification
//     (exclusive), so the peer never has to guess;
//   - glare (§5.7.2 for PRI): a network-side SETUP for a channel that the
//     user side's own unanswered SETUP holds takes the channel (the network
//     wins an exclusive channel); the user's call waits for the channel the
//     network's answer names. On the network side, a user's SETUP for a
//     busy channel gets another if the channel was preferred, cause 44 if
//     exclusive; no channel free at all: cause 34;
//   - a RELEASE unanswered after T308 twice puts the channel out of service
//     (§5.3.4.3) and sends a RESTART for it, whose acknowledgement brings
//     it back;
//   - RESTART received: calls on the channels are cleared internally
//     (cause 41) and the channels are idle again.
//   - timers expiring during a call send cause 102 with the timer's number
//     as the diagnostic (Q.850); the layer above hears the cause that says
//     what happened (T301: 19 no answer, T303: 18 no user responding,
//     others 102).
//
// Outputs are callbacks (like Q921Link's) and, likewise, queued while the
// call control works and delivered when the outermost call into it
// returns, so an event handler may call a request function at once.
// Callbacks must not throw nor destroy the call control. Timers run on the
// given core::EventLoop; tests drive them with core::ManualClock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/log_limiter.h"
#include "pri/b_channel_pool.h"
#include "pri/call_events.h"
#include "pri/call_state.h"
#include "pri/channel_interfaces.h"
#include "pri/q921_link.h"
#include "pri/q931_counters.h"
#include "pri/q931_ie_channel.h"
#include "pri/q931_message.h"
#include "pri/side.h"
#include "pri/switch_variant.h"

namespace sipnic::pri {

struct Q931Config {
  Side side = Side::kUser;
  SwitchVariant variant = SwitchVariant::kEuroIsdnE1;
  LineType line = LineType::kE1;
  core::Q931Timers timers;  // ms; libpri's defaults
  std::uint8_t n316 = 2;    // RESTART transmissions before its channels go out of service
  std::uint8_t n322 = 2;    // STATUS ENQUIRY transmissions before the call is cleared (41)
  std::string name;         // for log lines (the span's name)
};

struct SetupResult {
  CallId call = kNoCall;      // kNoCall: refused
  std::uint8_t channel = 0;   // the channel offered
  std::uint8_t interface = 0;  // its interface (NFAS)
  std::optional<Cause> refused;  // why (34 no channel, 44 channel busy, 38 link down, ...)
};

// A call as status shows it.
struct CallInfo {
  CallId id = kNoCall;
  CallState state = CallState::kNull;
  bool outgoing = false;          // placed by this side
  std::uint16_t call_reference = 0;
  std::uint8_t channel = 0;       // 0: none (yet)
  std::uint8_t interface = 0;     // the channel's interface (NFAS)
  bool link_wait = false;         // T309 running: kept while the link (or the interface's line) is down
};

class Q931CallControl {
 public:
  struct Callbacks {
    // DL-DATA-REQUEST with one encoded message; false when the link refuses it.
    std::function<bool(std::span<const std::uint8_t> message)> send;
    std::function<void(const CallEvent&)> on_event;
  };

  // `loop`, `channels` and `log` (which may be null) must outlive it.
  // With one pool: a span's own D-channel for its own B-channels.
  Q931CallControl(core::EventLoop& loop, Q931Config config, BChannelPool& channels, Callbacks callbacks,
                  core::Log* log = nullptr);
  Q931CallControl(core::EventLoop& loop, Q931Config config, ChannelInterfaces& channels, Callbacks callbacks,
                  core::Log* log = nullptr);
  ~Q931CallControl();
  Q931CallControl(const Q931CallControl&) = delete;
  Q931CallControl& operator=(const Q931CallControl&) = delete;

  // ---- layer 2: everything the Q.921 link says to layer 3.
  void dl_indication(const DlIndication& indication);
  bool link_up() const { return link_up_; }
  // ---- layer 1 of an interface's B-channels (NFAS: a member span's line,
  // which need not carry the D-channel). Down: its channels are not hunted
  // nor seized; its calls not yet active are cleared (cause 41, temporary
  // failure, told to the far end over the D-channel), active ones kept for
  // T309 (0: cleared at once) and cleared with 41 if the line is not back
  // by then. Up: the kept calls go on.
  void interface_layer1(std::uint8_t interface, bool up);

  // ---- calls. Each returns false (and does nothing) when the call does
  // not exist or its state does not allow the request.
  SetupResult setup(const OutgoingCall& call);
  bool setup_acknowledge(CallId call);   // incoming, overlap receiving: more digits wanted
  bool proceeding(CallId call);          // incoming: CALL PROCEEDING
  bool alerting(CallId call, std::optional<q931::ProgressDescription> progress = {});
  bool progress(CallId call, q931::ProgressDescription description);  // incoming, once answered
  bool answer(CallId call, std::optional<q931::PartyNumber> connected = {});
  // Outgoing, overlap sending (after kSetupAcknowledged): more digits.
  bool information(CallId call, std::string_view digits, bool sending_complete = false);
  // Clears a call in any state: RELEASE COMPLETE to an incoming SETUP not
  // yet answered, DISCONNECT otherwise (with progress 8 when `inband`: tones
  // or an announcement follow on the B-channel); a call already being
  // cleared is left to finish. With the link down, the call is cleared
  // internally.
  bool disconnect(CallId call, Cause cause, bool inband = false);
  bool status_enquiry(CallId call);
  bool notify(CallId call, std::uint8_t description);  // false too for a description the variant lacks
  bool facility(CallId call, std::vector<q931::InformationElement> ies);

  // ---- channels (global call reference procedures)
  // RESTART of one channel, or (nullopt) of the whole interface, of the
  // D-channel's own interface: calls on them are cleared internally (cause
  // 41) and the channels are not used until the RESTART is acknowledged.
  // False when the channel is not one of the line's.
  bool restart(std::optional<std::uint8_t> channel);
  // The same for a channel of any interface, or a whole interface (NFAS);
  // false for an interface that is not here.
  bool restart(ChannelRef channel);
  bool restart_interface(std::uint8_t interface);
  // SERVICE (NI-2, 4ESS, 5ESS): takes a channel out of service here (or puts
  // it back), telling the far end. False for a variant without it.
  bool service(std::uint8_t channel, bool in_service);
  bool service(ChannelRef channel, bool in_service);

  // ---- state, for status and tests
  std::optional<CallInfo> call(CallId id) const;
  std::vector<CallInfo> calls() const;
  std::size_t restarts_pending() const { return restarts_.size(); }
  const Q931Counters& counters() const { return counters_; }
  const Q931Config& config() const { return cfg_; }
  const VariantTraits& variant() const { return variant_; }
  const ChannelInterfaces& interfaces() const { return channels_; }

 private:
  // Where a call is, independent of side and direction: state() turns it
  // into the Q.931 state (call_state.h) that the side and direction name.
  enum class Phase : std::uint8_t {
    kNull,
    kInitiated,     // SETUP sent (U1/N6) or received (U6/N1)
    kOverlap,       // SETUP ACKNOWLEDGE received (U2/N25) or sent (U25/N2)
    kProceeding,    // CALL PROCEEDING received (U3/N9) or sent (U9/N3)
    kAlerting,      // ALERTING received (U4/N7) or sent (U7/N4)
    kConnectSent,   // user side, incoming: CONNECT sent, waiting for CONNECT ACKNOWLEDGE (U8)
    kActive,        // U10/N10
    kDisconnectSent,      // U11/N12
    kDisconnectReceived,  // U12/N11
    kReleaseSent,         // U19/N19
  };
  enum class Timer : std::uint8_t { kNone, kT301, kT302, kT303, kT304, kT305, kT308, kT310, kT313 };

  struct Call {
    CallId id = kNoCall;
    std::uint16_t cr = 0;   // call reference value
    bool outgoing = false;  // this side allocated the call reference (placed the call)
    Phase phase = Phase::kNull;
    ChannelRef channel;
    bool channel_confirmed = false;  // both sides agree on it
    bool answered = false;           // outgoing: the first answer to the SETUP has come; incoming: been sent
    bool clearing_seen = false;      // a clearing message was sent or received
    bool cleared_here = false;
    std::optional<Cause> cause;               // the clearing cause for the layer above
    std::optional<q931::Location> location;
    std::optional<q931::CauseIe> sent_cause;  // the cause a RELEASE after T305 / T308 repeats
    Timer timer = Timer::kNone;
    core::EventLoop::TimerId timer_id = 0;
    std::uint8_t expiries = 0;  // of the running timer (T303, T308)
    core::EventLoop::TimerId t309 = 0;
    core::EventLoop::TimerId t322 = 0;
    std::uint8_t t322_sent = 0;
    std::vector<std::uint8_t> setup_octets;  // for T303's retransmission
  };

  // A RESTART sent or waiting to be.
  struct Restart {
    std::uint8_t interface = 0;
    std::optional<std::uint8_t> channel;  // nullopt: the interface
    std::uint8_t sent = 0;
    core::EventLoop::TimerId t316 = 0;
  };

  struct PendingEvent {
    CallEvent event;
    std::optional<CallSetup> setup;
  };
  // Marks a call into the call control; the outermost delivers the events.
  class Turn {
   public:
    explicit Turn(Q931CallControl& c) : c_(c) { ++c_.depth_; }
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    Q931CallControl& c_;
  };

  void check_config() const;  // throws std::invalid_argument

  // Received messages (q931_call_control.cpp)
  void on_message(std::span<const std::uint8_t> octets);
  void on_unknown_reference(const q931::DecodedMessage& d);
  void on_incoming_setup(const q931::DecodedMessage& d);
  void on_call_message(Call& c, const q931::DecodedMessage& d);
  void on_first_answer(Call& c, const q931::Message& m);
  void take_far_end_cause(Call& c, const q931::DecodedMessage& d);
  static bool answer_carries_error_cause(const q931::DecodedMessage& d);
  void on_disconnect(Call& c, const q931::DecodedMessage& d);
  void on_release(Call& c, const q931::DecodedMessage& d);
  void on_release_complete(Call& c, const q931::DecodedMessage& d);
  void on_status(Call& c, const q931::Message& m);
  void out_of_state(Call& c, const q931::DecodedMessage& d);
  // Global call reference (q931_global_procedures.cpp)
  void on_global(const q931::DecodedMessage& d);
  void on_restart(const q931::DecodedMessage& d);
  void on_restart_acknowledge(const q931::DecodedMessage& d);
  void on_service(const q931::DecodedMessage& d);
  void on_service_acknowledge(const q931::DecodedMessage& d);
  bool restart_queued_for(ChannelRef channel) const;
  std::vector<ChannelRef> restart_channels(const Restart& r) const;
  std::string restart_text(const Restart& r) const;
  void send_next_restart();
  void send_restart(Restart& r);
  void on_t316();
  // The channels a channel identification names (nullopt: an interface not
  // here; an empty list: none of the line's, or the IE names none).
  std::optional<std::vector<ChannelRef>> channels_named(const q931::ChannelIdentification& id) const;
  void clear_channel_calls(ChannelRef channel, Cause cause);
  // Link
  void on_link_up();
  void on_link_down();

  // Channels
  std::optional<Cause> choose_incoming_channel(Call& c, const q931::Message& setup);
  q931::InformationElement channel_ie(ChannelRef channel, bool exclusive) const;
  // A channel identification naming an interface and no channel (NFAS).
  q931::InformationElement interface_ie(std::uint8_t interface) const;
  std::string channel_text(ChannelRef channel) const;

  // Clearing
  void start_clearing(Call& c, Cause to_peer, std::vector<std::uint8_t> diagnostics = {}, bool inband = false);
  void send_release(Call& c, std::optional<q931::CauseIe> cause);
  void clear_internally(Call& c, Cause cause);
  void finish(Call& c);  // frees the channel and call reference, reports kReleased

  // Timers
  void start_timer(Call& c, Timer t);
  void stop_timer(Call& c);
  void on_timer(CallId id, Timer t);
  void on_t309(CallId id);
  void on_t322(CallId id);
  core::Millis timer_length(Timer t) const;

  // Messages out
  q931::Message message(const Call& c, q931::MessageType type) const;
  q931::Message global_message(q931::MessageType type, bool flag) const;
  bool send(const q931::Message& m);
  void send_status(const q931::CallReference& cr, std::uint8_t state, Cause cause,
                   std::vector<std::uint8_t> diagnostic = {});
  void send_release_complete(const q931::CallReference& cr, std::optional<Cause> cause,
                             std::vector<std::uint8_t> diagnostic = {});
  q931::CauseIe cause_ie(Cause cause, std::vector<std::uint8_t> diagnostics = {}) const;
  q931::Location own_location() const;
  q931::InformationElement progress_ie(q931::ProgressDescription description) const;
  q931::CallReference reference_of(const Call& c) const { return {2, c.cr, !c.outgoing}; }

  // Calls
  CallState state(const Call& c) const;
  Call* find(CallId id);
  const Call* find(CallId id) const;
  Call* find_reference(std::uint16_t cr, bool outgoing);
  Call& add_call(std::uint16_t cr, bool outgoing);
  std::optional<std::uint16_t> allocate_reference();
  void emit(CallEvent e, std::optional<CallSetup> setup = {});
  // An event for `c`; with `m`, what the message says that every event
  // carries (progress, display, passed-through IEs).
  CallEvent event(const Call& c, CallEventType type, const q931::Message* m = nullptr) const;
  q931::DecodeOptions decode_options(const Call* c) const;

  // Logs
  bool logging(core::LogLevel level) const { return log_ && log_->enabled(level); }
  void log_line(core::LogLevel level, std::string_view key, const std::string& message);
  std::string describe(const Call& c) const;

  core::EventLoop& loop_;
  const Q931Config cfg_;
  const VariantTraits& variant_;
  std::optional<ChannelInterfaces> own_interfaces_;  // the one-pool constructor's
  ChannelInterfaces& channels_;
  const Callbacks cb_;
  core::Log* log_;
  core::LogLimiter limiter_;

  bool link_up_ = false;
  std::map<CallId, Call> calls_;
  std::map<std::pair<bool, std::uint16_t>, CallId> by_reference_;  // (outgoing, value)
  CallId next_call_id_ = 1;
  std::uint16_t next_reference_ = 1;
  std::deque<Restart> restarts_;  // front: the one sent

  std::deque<PendingEvent> events_;
  int depth_ = 0;
  Q931Counters counters_;
};

}  // namespace sipnic::pri
