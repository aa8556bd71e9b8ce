// pri::Q921Link: the Q.921 data link entity of one D-channel, point to point
// on SAPI 0 and TEI 0 as PRI runs it (no TEI management: the link starts in
// state 4, TEI assigned), on the user or the network side. It follows Q.921
// §5 and its SDL (Annex B) for states 4 to 8: establishment (SABME/UA, DM),
// re-establishment, release (DISC/UA), I frames in a window of k with V(S),
// V(R), V(A) modulo 128, acknowledgement (RR), busy (RNR), REJ recovery,
// timer recovery with enquiries (RR/RNR P=1), T200, T203, N200, N201, and
// the error conditions of §5.8, each reported to management with its code
// (pri/q921_mdl_error.h). Where the SDL leaves a choice, sipnic's are:
//   - on T200 in states 7 and 8 it sends an enquiry, never the last I frame
//     again (§5.6.7's option b; libpri chooses the same);
//   - it never sends FRMR (Q.921 since 1993 answers a frame rejection
//     condition by re-establishing), but understands a received one;
//   - UI and XID frames are counted and otherwise ignored (PRI's Q.931 runs
//     on I frames only);
//   - DL-RELEASE-REQ while establishing sends DISC at once (state 6) rather
//     than waiting for the UA; DL-ESTABLISH-REQ while releasing is held
//     until the release is done.
//
// Persistent establishment (config.persistent, on for PRI): once layer 3 has
// asked for the link (establish_request(), which the span makes at start),
// the link keeps it up. After every release that layer 3 did not ask for
// (DISC or DM from the peer, N200 SABMEs unanswered) it tries again after
// reestablish_delay_min, doubling to reestablish_delay_max while attempts
// fail, so a peer that refuses or is gone costs a few frames per delay, never
// a spin; when layer 1 comes back, at once. Layer 3 hears of the link going
// up and down once per change, not once per failed attempt:
// DL-ESTABLISH-INDICATION when the link
// comes up without layer 3 having asked (the peer's SABME, or an attempt of
// the link's own), DL-ESTABLISH-CONFIRM when it had asked, and
// DL-RELEASE-INDICATION, with why (DlIndication::reason, and the error that
// began a failed re-establishment), when a link it had (or had asked for) is
// lost. Q.931 keeps its active calls for T309 on that indication; it need
// not ask for re-establishment itself.
//
// Outputs are callbacks rather than a returned list of actions because timer
// expiries come from the event loop, where no caller would receive a list:
// one path for everything the link says, whatever caused it. So that a
// callback may call the link again (Q.931 answering a DL-DATA-INDICATION
// with a DL-DATA-REQUEST, a test wire delivering a frame at once), outputs
// are queued while the link works and delivered, in order, when the
// outermost call into it returns: a callback always sees the link in a
// consistent state and never re-enters a half-done transition. An
// acknowledgement the link owes goes (as an RR) only after layer 3 has had
// its indications, so that an answer layer 3 sends at once carries it in its
// I frame instead. Callbacks must not throw nor destroy the link.
//
// Timers run on the given core::EventLoop (add_timer/cancel_timer), on its
// TimeSource: tests drive them with core::ManualClock and EventLoop::advance.
// One link belongs to one loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event_loop.h"
#include "core/log.h"
#include "core/log_limiter.h"
#include "pri/q921_counters.h"
#include "pri/q921_frame.h"
#include "pri/q921_mdl_error.h"
#include "pri/side.h"

namespace sipnic::pri {

// The states of Q.921 Annex B that a point-to-point link (TEI 0) has.
enum class LinkState : std::uint8_t {
  kTeiAssigned = 4,
  kAwaitingEstablishment = 5,
  kAwaitingRelease = 6,
  kMultipleFrameEstablished = 7,
  kTimerRecovery = 8,
};
std::string_view link_state_name(LinkState s);

struct Q921Config {
  Side side = Side::kUser;
  std::uint8_t sapi = kSapiCallControl;
  std::uint8_t tei = kTeiPointToPoint;
  std::uint8_t k = 7;           // window: most I frames outstanding (1..127)
  core::Millis t200{1000};      // retransmission timer
  core::Millis t203{10000};     // idle timer: an enquiry after this long without a frame
  std::uint8_t n200 = 3;        // retransmissions of SABME, DISC or an enquiry
  std::size_t n201 = 260;       // most octets in an information field
  // I frames queued or unacknowledged; DL-DATA-REQ past it is refused. Room
  // for a burst on every channel of a large NFAS group (20 T1s, a few
  // messages each) at 260 octets at most: bounded at about 270 kB.
  std::size_t max_queued = 1024;
  bool persistent = true;
  core::Millis reestablish_delay_min{1000};
  core::Millis reestablish_delay_max{16000};
  std::string name;  // for log lines (the span's name)
};
// "" when usable, else what is wrong with it ("k must be 1 to 127").
std::string validate(const Q921Config& c);

// The primitives to layer 3 (Q.921 §4.1, Table 2).
enum class DlPrimitive : std::uint8_t {
  kEstablishIndication,
  kEstablishConfirm,
  kReleaseIndication,
  kReleaseConfirm,
  kDataIndication,
};
std::string_view dl_primitive_name(DlPrimitive p);

// Why a link was lost (DL-RELEASE-INDICATION).
enum class ReleaseReason : std::uint8_t {
  kNone,
  kPeerDisconnected,  // the peer released it: DISC in state 7 or 8
  kPeerRefused,       // the peer answered SABME with DM
  kNoResponse,        // N200 SABMEs unanswered (MDL-ERROR G): the peer is gone
  kLayer1Down,        // the span's layer 1 went down (alarm)
};
std::string_view release_reason_text(ReleaseReason r);

struct DlIndication {
  DlPrimitive primitive = DlPrimitive::kDataIndication;
  std::span<const std::uint8_t> message{};   // kDataIndication: the Q.931 message; valid during the call
  ReleaseReason reason = ReleaseReason::kNone;  // kReleaseIndication
  // kReleaseIndication that ends a re-establishment the link began itself:
  // the error that began it (I: the peer stopped answering, J: N(R) error,
  // K: FRMR, ...).
  std::optional<MdlError> after{};
};

struct MdlErrorReport {
  MdlError code;
  LinkState state;  // where it was detected
};

class Q921Link {
 public:
  struct Callbacks {
    // One frame without flags and FCS, for the span backend.
    std::function<void(std::span<const std::uint8_t> frame)> send_frame;
    std::function<void(const DlIndication&)> to_layer3;
    std::function<void(const MdlErrorReport&)> to_management;  // may be empty
  };

  // `loop` and `log` (which may be null) must outlive the link. Throws
  // std::invalid_argument for a config validate() refuses.
  Q921Link(core::EventLoop& loop, Q921Config config, Callbacks callbacks, core::Log* log = nullptr);
  ~Q921Link();
  Q921Link(const Q921Link&) = delete;
  Q921Link& operator=(const Q921Link&) = delete;

  // ---- layer 3 (and the span)
  // DL-ESTABLISH-REQUEST; with config.persistent, also "keep it up".
  void establish_request();
  // DL-RELEASE-REQUEST; ends persistence until the next establish_request().
  void release_request();
  // DL-DATA-REQUEST: queues `message` (copied) for an I frame. False when it
  // is refused: the link is not established (or is being established on
  // layer 3's behalf), the message is longer than N201 or the queue is full.
  bool data_request(std::span<const std::uint8_t> message);
  // Own receiver busy (flow control from layer 3): RNR while set, RR when
  // cleared. A re-establishment clears it (Q.921's clear exception conditions).
  void set_own_receiver_busy(bool busy);

  // ---- the span backend
  // One received frame, without flags and FCS.
  void receive(std::span<const std::uint8_t> frame);
  // Layer 1 lost (an alarm) and back: down releases the link (layer 3 hears
  // DL-RELEASE-INDICATION, kLayer1Down) and holds it released; up
  // re-establishes it if layer 3 wants it. Layer 1 starts up.
  void layer1_down();
  void layer1_up();

  // ---- state, for the span's status and for tests
  LinkState state() const { return state_; }
  bool established() const {
    return state_ == LinkState::kMultipleFrameEstablished || state_ == LinkState::kTimerRecovery;
  }
  std::uint8_t v_s() const { return vs_; }
  std::uint8_t v_r() const { return vr_; }
  std::uint8_t v_a() const { return va_; }
  bool peer_receiver_busy() const { return peer_busy_; }
  bool own_receiver_busy() const { return own_busy_; }
  std::size_t queued() const { return iqueue_.size(); }  // waiting or unacknowledged
  // The layer 3 messages the link last discarded unacknowledged (the link
  // went down or was reset with them queued), oldest first, handed over
  // once: an NFAS group sends them on its other D-channel, which is what
  // makes a switchover lose nothing the far end had not confirmed. Kept
  // until taken, the next discard, or the link's next establishment.
  std::vector<std::vector<std::uint8_t>> take_discarded() { return std::exchange(discarded_, {}); }
  const Q921Counters& counters() const { return counters_; }
  const Q921Config& config() const { return cfg_; }

 private:
  struct QueuedFrame {
    std::vector<std::uint8_t> message;
    bool sent = false;
  };
  // An output waiting for the outermost call to return.
  struct Output {
    enum class Kind : std::uint8_t { kFrame, kIndication, kMdlError } kind;
    std::vector<std::uint8_t> bytes;  // the frame, or the DL-DATA-INDICATION's message
    DlIndication indication{};
    MdlErrorReport mdl{};
  };
  class Turn;  // marks a call into the link; the outermost delivers the outputs

  // Frames received
  void on_frame(const Frame& f);
  void on_sabme(const Frame& f);
  void on_disc(const Frame& f);
  void on_ua(const Frame& f);
  void on_dm(const Frame& f);
  void on_frmr();
  void on_supervisory(const Frame& f);
  void on_i(const Frame& f);
  void frame_rejection(MdlError code);
  void after_frame();

  // Timers
  void on_t200();
  void on_t203();
  void on_reestablish_timer();
  void arm(core::EventLoop::TimerId& id, core::Millis delay, void (Q921Link::*on_expiry)());
  void disarm(core::EventLoop::TimerId& id);
  void start_t200();
  void stop_t200();
  void start_t203();
  void stop_t203();

  // SDL procedures
  void establish_data_link();
  void establish_for_layer3();
  void reestablish(MdlError code);
  void clear_exception_conditions();
  void transmit_enquiry();
  void enquiry_response();
  void transmit_queued();
  void invoke_retransmission();
  void acknowledge_to(std::uint8_t n_r);
  void acknowledge_established(std::uint8_t n_r);
  bool n_r_valid(std::uint8_t n_r) const;
  std::uint8_t outstanding() const;
  void discard_iqueue();
  void to_established();
  void to_released();
  void tell_up(bool l3_visible_reset);
  void tell_down(ReleaseReason reason);
  void release_confirm();

  // Outputs
  void send_u(FrameType t, bool command, bool poll_final);
  void send_s(FrameType t, bool command, bool poll_final);
  void send(const Frame& f);
  void indicate(DlIndication ind, std::span<const std::uint8_t> message = {});
  void mdl_error(MdlError code);
  void deliver();
  bool logging(core::LogLevel level) const;  // so that no line is built for nothing
  void log_malformed(std::size_t octets, std::string_view outcome, std::string_view why);
  void log_line(core::LogLevel level, std::string_view key, const std::string& message);

  core::EventLoop& loop_;
  const Q921Config cfg_;
  const Callbacks cb_;
  core::Log* log_;
  core::LogLimiter limiter_;

  LinkState state_ = LinkState::kTeiAssigned;
  std::uint8_t vs_ = 0;
  std::uint8_t vr_ = 0;
  std::uint8_t va_ = 0;
  std::uint8_t rc_ = 0;
  bool peer_busy_ = false;
  bool own_busy_ = false;
  bool reject_exception_ = false;
  bool ack_pending_ = false;
  // Layer 3's view: whether the last it heard was that the link is up, and
  // whether it asked for an establishment not yet answered.
  bool l3_link_up_ = false;
  bool l3_waiting_ = false;
  bool want_up_ = false;            // layer 3 asked for the link (persistence)
  bool establish_after_release_ = false;
  bool layer1_up_ = true;
  std::optional<MdlError> reestablish_cause_;
  core::Millis reestablish_delay_;
  std::deque<QueuedFrame> iqueue_;  // front: N(S) = V(A); the first outstanding() are sent
  std::vector<std::vector<std::uint8_t>> discarded_;  // see take_discarded()

  core::EventLoop::TimerId t200_ = 0;
  core::EventLoop::TimerId t203_ = 0;
  core::EventLoop::TimerId reestablish_timer_ = 0;

  std::deque<Output> outputs_;
  int depth_ = 0;
  std::vector<std::uint8_t> scratch_;
  Q921Counters counters_;
};

}  // namespace sipnic::pri
