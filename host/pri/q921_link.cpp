#include "pri/q921_link.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace sipnic::pri {

namespace {

constexpr std::uint8_t seq_add(std::uint8_t a, int b) {
  return static_cast<std::uint8_t>((a + b) & (kSequenceModulus - 1));
}
constexpr std::uint8_t seq_diff(std::uint8_t a, std::uint8_t b) {
  return static_cast<std::uint8_t>((a - b) & (kSequenceModulus - 1));
}

// The MDL code of a frame rejection condition the decoder found.
MdlError rejection_code(DecodeError e) {
  switch (e) {
    case DecodeError::kInfoNotPermitted: return MdlError::kInfoNotPermitted;
    case DecodeError::kWrongLength: return MdlError::kWrongSize;
    default: return MdlError::kUndefinedFrame;
  }
}

}  // namespace

std::string_view link_state_name(LinkState s) {
  switch (s) {
    case LinkState::kTeiAssigned: return "TEI assigned";
    case LinkState::kAwaitingEstablishment: return "awaiting establishment";
    case LinkState::kAwaitingRelease: return "awaiting release";
    case LinkState::kMultipleFrameEstablished: return "multiple frame established";
    case LinkState::kTimerRecovery: return "timer recovery";
  }
  return "?";
}

std::string_view dl_primitive_name(DlPrimitive p) {
  switch (p) {
    case DlPrimitive::kEstablishIndication: return "DL-ESTABLISH-INDICATION";
    case DlPrimitive::kEstablishConfirm: return "DL-ESTABLISH-CONFIRM";
    case DlPrimitive::kReleaseIndication: return "DL-RELEASE-INDICATION";
    case DlPrimitive::kReleaseConfirm: return "DL-RELEASE-CONFIRM";
    case DlPrimitive::kDataIndication: return "DL-DATA-INDICATION";
  }
  return "?";
}

std::string_view release_reason_text(ReleaseReason r) {
  switch (r) {
    case ReleaseReason::kNone: return "none";
    case ReleaseReason::kPeerDisconnected: return "released by the peer (DISC)";
    case ReleaseReason::kPeerRefused: return "refused by the peer (DM)";
    case ReleaseReason::kNoResponse: return "no response from the peer (N200 SABMEs unanswered)";
    case ReleaseReason::kLayer1Down: return "layer 1 down";
  }
  return "?";
}

std::string validate(const Q921Config& c) {
  if (c.sapi > 63) return "SAPI must be 0 to 63";
  if (c.tei > 126) return "TEI must be 0 to 126";
  if (c.k < 1 || c.k > 127) return "k must be 1 to 127";
  if (c.t200.count() <= 0) return "T200 must be positive";
  if (c.t203.count() <= 0) return "T203 must be positive";
  if (c.n200 < 1) return "N200 must be at least 1";
  if (c.n201 < 1) return "N201 must be at least 1";
  if (c.max_queued < c.k) return "the I frame queue must hold at least k frames";
  if (c.reestablish_delay_min.count() <= 0) return "the re-establishment delay must be positive";
  if (c.reestablish_delay_max < c.reestablish_delay_min) return "the longest re-establishment delay is below the shortest";
  return "";
}

// ---------------------------------------------------------------------------
// Calls in and outputs out

class Q921Link::Turn {
 public:
  explicit Turn(Q921Link& link) : link_(link) { ++link_.depth_; }
  ~Turn() {
    if (--link_.depth_ == 0) link_.deliver();
  }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

 private:
  Q921Link& link_;
};

Q921Link::Q921Link(core::EventLoop& loop, Q921Config config, Callbacks callbacks, core::Log* log)
    : loop_(loop),
      cfg_(std::move(config)),
      cb_(std::move(callbacks)),
      log_(log),
      reestablish_delay_(cfg_.reestablish_delay_min) {
  if (auto error = validate(cfg_); !error.empty()) throw std::invalid_argument("Q.921 link: " + error);
}

Q921Link::~Q921Link() {
  disarm(t200_);
  disarm(t203_);
  disarm(reestablish_timer_);
}

void Q921Link::deliver() {
  // The outputs of calls the callbacks make are queued behind these (depth_
  // is not 0 while they run) and delivered by this same loop. An
  // acknowledgement still owed once layer 3 has had its indications goes as
  // an RR; owed no longer if layer 3 answered at once, since its I frame
  // carries N(R).
  ++depth_;
  for (;;) {
    while (!outputs_.empty()) {
      Output o = std::move(outputs_.front());
      outputs_.pop_front();
      switch (o.kind) {
        case Output::Kind::kFrame:
          if (cb_.send_frame) cb_.send_frame(o.bytes);
          break;
        case Output::Kind::kIndication:
          if (o.indication.primitive == DlPrimitive::kDataIndication) o.indication.message = o.bytes;
          if (cb_.to_layer3) cb_.to_layer3(o.indication);
          break;
        case Output::Kind::kMdlError:
          if (cb_.to_management) cb_.to_management(o.mdl);
          break;
      }
    }
    if (!established() || !ack_pending_) break;
    ack_pending_ = false;
    send_s(FrameType::kRR, false, false);
  }
  --depth_;
}

void Q921Link::send(const Frame& f) {
  Frame out = f;
  out.sapi = cfg_.sapi;
  out.tei = cfg_.tei;
  encode_frame(out, cfg_.side, scratch_);
  ++counters_.frames_out[static_cast<std::size_t>(f.type)];
  outputs_.push_back(Output{Output::Kind::kFrame, scratch_});
}

void Q921Link::send_u(FrameType t, bool command, bool poll_final) {
  send(Frame{.type = t, .command = command, .poll_final = poll_final});
}

void Q921Link::send_s(FrameType t, bool command, bool poll_final) {
  send(Frame{.type = t, .command = command, .poll_final = poll_final, .n_r = vr_});
}

void Q921Link::indicate(DlIndication ind, std::span<const std::uint8_t> message) {
  outputs_.push_back(Output{Output::Kind::kIndication, {message.begin(), message.end()}, ind});
}

void Q921Link::mdl_error(MdlError code) {
  ++counters_.mdl_errors[mdl_error_index(code)];
  outputs_.push_back(Output{Output::Kind::kMdlError, {}, {}, MdlErrorReport{code, state_}});
  if (!logging(core::LogLevel::kWarn)) return;
  log_line(core::LogLevel::kWarn, std::string("mdl|") + mdl_error_letter(code),
           std::string("MDL-ERROR ") + mdl_error_letter(code) + ": " + std::string(mdl_error_text(code)) +
               " in state " + std::to_string(static_cast<int>(state_)) + " (" + std::string(link_state_name(state_)) +
               ")");
}

void Q921Link::log_malformed(std::size_t octets, std::string_view outcome, std::string_view why) {
  if (!logging(core::LogLevel::kDebug)) return;
  log_line(core::LogLevel::kDebug, "malformed",
           "frame of " + std::to_string(octets) + " octets " + std::string(outcome) + ": " + std::string(why));
}

bool Q921Link::logging(core::LogLevel level) const { return log_ && log_->enabled(level); }

void Q921Link::log_line(core::LogLevel level, std::string_view key, const std::string& message) {
  if (!logging(level)) return;
  std::string line = (cfg_.name.empty() ? std::string("D-channel") : cfg_.name) + " (" +
                     std::string(side_name(cfg_.side)) + " side): " + message;
  if (key.empty()) {
    log_->write(level, "q921", line);
  } else {
    limiter_.write(*log_, level, "q921", key, line, loop_.now());
  }
}

// ---------------------------------------------------------------------------
// Layer 3 and the span

void Q921Link::establish_request() {
  Turn turn(*this);
  want_up_ = true;
  switch (state_) {
    case LinkState::kTeiAssigned:
      l3_waiting_ = true;
      if (!layer1_up_) return;  // layer1_up() establishes it
      establish_for_layer3();
      break;
    case LinkState::kAwaitingEstablishment:
      discard_iqueue();
      l3_waiting_ = true;
      break;
    case LinkState::kAwaitingRelease:
      establish_after_release_ = true;
      break;
    case LinkState::kMultipleFrameEstablished:
    case LinkState::kTimerRecovery:
      discard_iqueue();
      l3_waiting_ = true;
      establish_data_link();
      state_ = LinkState::kAwaitingEstablishment;
      break;
  }
}

void Q921Link::release_request() {
  Turn turn(*this);
  want_up_ = false;
  establish_after_release_ = false;
  l3_waiting_ = false;
  disarm(reestablish_timer_);
  switch (state_) {
    case LinkState::kTeiAssigned:
      release_confirm();
      break;
    case LinkState::kAwaitingRelease:
      break;
    case LinkState::kAwaitingEstablishment:
    case LinkState::kMultipleFrameEstablished:
    case LinkState::kTimerRecovery:
      discard_iqueue();
      rc_ = 0;
      send_u(FrameType::kDISC, true, true);
      stop_t203();
      start_t200();
      state_ = LinkState::kAwaitingRelease;
      break;
  }
}

bool Q921Link::data_request(std::span<const std::uint8_t> message) {
  Turn turn(*this);
  bool accepted = false;
  switch (state_) {
    case LinkState::kMultipleFrameEstablished:
    case LinkState::kTimerRecovery:
      accepted = true;
      break;
    case LinkState::kAwaitingEstablishment:
      // Queued across a re-establishment the link began itself; not while
      // establishing on layer 3's behalf (Figure B.5: discarded).
      accepted = l3_link_up_ && !l3_waiting_;
      break;
    case LinkState::kTeiAssigned:
    case LinkState::kAwaitingRelease:
      break;
  }
  if (!accepted || message.size() > cfg_.n201 || iqueue_.size() >= cfg_.max_queued) {
    ++counters_.data_requests_refused;
    // A message lost to layer 3 (its timers may recover it) is worth a line;
    // a stuck link refuses many, which the limiter holds to one per 10 s.
    if (accepted)
      log_line(core::LogLevel::kWarn, "refused",
               message.size() > cfg_.n201
                   ? "a layer 3 message of " + std::to_string(message.size()) + " octets refused (N201 is " +
                         std::to_string(cfg_.n201) + ")"
                   : "a layer 3 message refused: " + std::to_string(iqueue_.size()) +
                         " I frames queued or unacknowledged already (the peer is slow or busy)");
    return false;
  }
  iqueue_.push_back(QueuedFrame{{message.begin(), message.end()}, false});
  transmit_queued();
  return true;
}

void Q921Link::set_own_receiver_busy(bool busy) {
  Turn turn(*this);
  if (busy == own_busy_) return;
  own_busy_ = busy;
  if (established()) {
    send_s(busy ? FrameType::kRNR : FrameType::kRR, false, false);
    ack_pending_ = false;
  }
}

void Q921Link::layer1_down() {
  Turn turn(*this);
  if (!layer1_up_) return;
  layer1_up_ = false;
  disarm(reestablish_timer_);
  switch (state_) {
    case LinkState::kTeiAssigned:
      return;
    case LinkState::kAwaitingRelease:
      release_confirm();
      break;
    case LinkState::kAwaitingEstablishment:
    case LinkState::kMultipleFrameEstablished:
    case LinkState::kTimerRecovery:
      discard_iqueue();
      tell_down(ReleaseReason::kLayer1Down);
      break;
  }
  to_released();
}

void Q921Link::layer1_up() {
  Turn turn(*this);
  if (layer1_up_) return;
  layer1_up_ = true;
  reestablish_delay_ = cfg_.reestablish_delay_min;
  if (state_ == LinkState::kTeiAssigned && want_up_) establish_for_layer3();
}

// ---------------------------------------------------------------------------
// Frames received

void Q921Link::receive(std::span<const std::uint8_t> bytes) {
  Turn turn(*this);
  const DecodeResult r = decode_frame(bytes, other_side(cfg_.side));
  if (!r && is_invalid_frame(r.error)) {
    ++counters_.malformed_in[static_cast<std::size_t>(r.error)];
    log_malformed(bytes.size(), "discarded (invalid)", decode_error_text(r.error));
    return;
  }
  if (r.frame.sapi != cfg_.sapi || r.frame.tei != cfg_.tei) {
    ++counters_.other_address_in;
    return;
  }
  if (!layer1_up_) return;
  if (!r) {
    ++counters_.malformed_in[static_cast<std::size_t>(r.error)];
    log_malformed(bytes.size(), "rejected", decode_error_text(r.error));
    frame_rejection(rejection_code(r.error));
    return;
  }
  const Frame& f = r.frame;
  if ((f.type == FrameType::kI || f.type == FrameType::kUI) && f.info.size() > cfg_.n201) {
    log_malformed(bytes.size(), "rejected", mdl_error_text(MdlError::kInfoTooLong));
    frame_rejection(MdlError::kInfoTooLong);
    return;
  }
  ++counters_.frames_in[static_cast<std::size_t>(f.type)];
  on_frame(f);
  after_frame();
}

void Q921Link::on_frame(const Frame& f) {
  switch (f.type) {
    case FrameType::kSABME: on_sabme(f); break;
    case FrameType::kDISC: on_disc(f); break;
    case FrameType::kUA: on_ua(f); break;
    case FrameType::kDM: on_dm(f); break;
    case FrameType::kFRMR: on_frmr(); break;
    case FrameType::kRR:
    case FrameType::kRNR:
    case FrameType::kREJ: on_supervisory(f); break;
    case FrameType::kI: on_i(f); break;
    case FrameType::kUI:
    case FrameType::kXID: break;  // counted; see the header
  }
}

// §5.8.5: in multiple frame operation a frame rejection condition
// re-establishes the link; in the other states the frame is only reported.
void Q921Link::frame_rejection(MdlError code) {
  if (established()) {
    reestablish(code);
  } else {
    mdl_error(code);
  }
}

// What the SDL does after every frame: I frames waiting in an open window go
// (state 7). An acknowledgement still owed goes when the outputs are
// delivered (deliver()).
void Q921Link::after_frame() { transmit_queued(); }

void Q921Link::on_sabme(const Frame& f) {
  switch (state_) {
    case LinkState::kTeiAssigned:
      send_u(FrameType::kUA, false, f.poll_final);
      clear_exception_conditions();
      vs_ = va_ = vr_ = 0;
      tell_up(false);
      to_established();
      break;
    case LinkState::kAwaitingEstablishment:  // SABMEs crossed (§5.5.1.3): answer, wait for our UA
      send_u(FrameType::kUA, false, f.poll_final);
      break;
    case LinkState::kAwaitingRelease:
      send_u(FrameType::kDM, false, f.poll_final);
      break;
    case LinkState::kMultipleFrameEstablished:
    case LinkState::kTimerRecovery:
      send_u(FrameType::kUA, false, f.poll_final);
      clear_exception_conditions();
      mdl_error(MdlError::kPeerReestablished);
      if (vs_ != va_) {
        discard_iqueue();
        tell_up(true);
      }
      vs_ = va_ = vr_ = 0;
      to_established();
      break;
  }
}

void Q921Link::on_disc(const Frame& f) {
  switch (state_) {
    case LinkState::kTeiAssigned:
    case LinkState::kAwaitingEstablishment:
      send_u(FrameType::kDM, false, f.poll_final);
      break;
    case LinkState::kAwaitingRelease:  // DISCs crossed: answer, wait for our UA
      send_u(FrameType::kUA, false, f.poll_final);
      break;
    case LinkState::kMultipleFrameEstablished:
    case LinkState::kTimerRecovery:
      discard_iqueue();
      send_u(FrameType::kUA, false, f.poll_final);
      tell_down(ReleaseReason::kPeerDisconnected);
      to_released();
      break;
  }
}

void Q921Link::on_ua(const Frame& f) {
  switch (state_) {
    case LinkState::kTeiAssigned:
    case LinkState::kMultipleFrameEstablished:
    case LinkState::kTimerRecovery:
      mdl_error(f.poll_final ? MdlError::kUnsolicitedUaF1 : MdlError::kUnsolicitedUaF0);
      break;
    case LinkState::kAwaitingEstablishment:
      if (!f.poll_final) {
        mdl_error(MdlError::kUnsolicitedUaF0);
        break;
      }
      if (l3_waiting_ || !l3_link_up_) {
        tell_up(false);
      } else if (vs_ != va_) {
        discard_iqueue();
        tell_up(true);
      }
      vs_ = va_ = vr_ = 0;
      to_established();
      break;
    case LinkState::kAwaitingRelease:
      if (!f.poll_final) {
        mdl_error(MdlError::kUnsolicitedUaF0);
        break;
      }
      release_confirm();
      to_released();
      break;
  }
}

void Q921Link::on_dm(const Frame& f) {
  switch (state_) {
    case LinkState::kTeiAssigned:
      // A DM F=0 is the peer asking for the link (Figure B.3).
      if (!f.poll_final && want_up_) establish_for_layer3();
      break;
    case LinkState::kAwaitingEstablishment:
      if (!f.poll_final) break;
      ++counters_.establish_failures;
      discard_iqueue();
      tell_down(ReleaseReason::kPeerRefused);
      to_released();
      break;
    case LinkState::kAwaitingRelease:
      if (!f.poll_final) break;
      release_confirm();
      to_released();
      break;
    case LinkState::kMultipleFrameEstablished:
      if (f.poll_final) {
        mdl_error(MdlError::kUnsolicitedDmF1);
      } else {
        reestablish(MdlError::kDmF0);
      }
      break;
    case LinkState::kTimerRecovery:
      reestablish(f.poll_final ? MdlError::kUnsolicitedDmF1 : MdlError::kDmF0);
      break;
  }
}

void Q921Link::on_frmr() {
  if (established()) reestablish(MdlError::kFrmrReceived);
}

void Q921Link::on_supervisory(const Frame& f) {
  if (!established()) return;  // a peer that has not seen our reset yet
  peer_busy_ = f.type == FrameType::kRNR;
  if (f.command) {
    if (f.poll_final) enquiry_response();
  } else if (f.poll_final && state_ == LinkState::kMultipleFrameEstablished) {
    mdl_error(MdlError::kUnsolicitedSupervisoryResponse);
  }
  if (!n_r_valid(f.n_r)) {
    reestablish(MdlError::kNrError);
    return;
  }
  if (state_ == LinkState::kTimerRecovery) {
    acknowledge_to(f.n_r);
    if (!f.command && f.poll_final) {  // the answer to our enquiry: recovered
      if (f.type == FrameType::kRNR) {
        start_t200();
      } else {
        stop_t200();
        start_t203();
      }
      invoke_retransmission();
      state_ = LinkState::kMultipleFrameEstablished;
    }
    return;
  }
  switch (f.type) {
    case FrameType::kRNR:
      acknowledge_to(f.n_r);
      stop_t203();
      start_t200();
      break;
    case FrameType::kREJ:
      acknowledge_to(f.n_r);
      stop_t200();
      start_t203();
      invoke_retransmission();
      break;
    default:  // RR
      acknowledge_established(f.n_r);
      break;
  }
}

void Q921Link::on_i(const Frame& f) {
  if (!established()) return;
  if (own_busy_) {
    if (f.poll_final) {
      send_s(FrameType::kRNR, false, true);
      ack_pending_ = false;
    }
  } else if (f.n_s == vr_) {
    vr_ = seq_add(vr_, 1);
    reject_exception_ = false;
    indicate(DlIndication{.primitive = DlPrimitive::kDataIndication}, f.info);
    if (f.poll_final) {
      send_s(FrameType::kRR, false, true);
      ack_pending_ = false;
    } else {
      ack_pending_ = true;
    }
  } else if (reject_exception_) {
    if (f.poll_final) {
      send_s(FrameType::kRR, false, true);
      ack_pending_ = false;
    }
  } else {
    reject_exception_ = true;
    send_s(FrameType::kREJ, false, f.poll_final);
    ack_pending_ = false;
  }
  if (!n_r_valid(f.n_r)) {
    reestablish(MdlError::kNrError);
    return;
  }
  if (state_ == LinkState::kTimerRecovery || peer_busy_) {
    acknowledge_to(f.n_r);
  } else {
    acknowledge_established(f.n_r);
  }
}

// A valid N(R) in state 7 (Figure B.7): all acknowledged stops T200 and
// restarts T203; some, restarts T200.
void Q921Link::acknowledge_established(std::uint8_t n_r) {
  if (n_r == vs_) {
    acknowledge_to(n_r);
    stop_t200();
    start_t203();
  } else if (n_r != va_) {
    acknowledge_to(n_r);
    start_t200();
  }
}

// ---------------------------------------------------------------------------
// Timers

void Q921Link::arm(core::EventLoop::TimerId& id, core::Millis delay, void (Q921Link::*on_expiry)()) {
  disarm(id);
  id = loop_.add_timer(delay, [this, &id, on_expiry] {
    id = 0;
    Turn turn(*this);
    (this->*on_expiry)();
  });
}

void Q921Link::disarm(core::EventLoop::TimerId& id) {
  if (id) loop_.cancel_timer(id);
  id = 0;
}

void Q921Link::start_t200() { arm(t200_, cfg_.t200, &Q921Link::on_t200); }
void Q921Link::stop_t200() { disarm(t200_); }
void Q921Link::start_t203() { arm(t203_, cfg_.t203, &Q921Link::on_t203); }
void Q921Link::stop_t203() { disarm(t203_); }

void Q921Link::on_t200() {
  ++counters_.t200_expiries;
  switch (state_) {
    case LinkState::kTeiAssigned:
      break;
    case LinkState::kAwaitingEstablishment:
      if (rc_ == cfg_.n200) {
        ++counters_.establish_failures;
        discard_iqueue();
        mdl_error(MdlError::kSabmeUnanswered);
        tell_down(ReleaseReason::kNoResponse);
        to_released();
      } else {
        ++rc_;
        send_u(FrameType::kSABME, true, true);
        start_t200();
      }
      break;
    case LinkState::kAwaitingRelease:
      if (rc_ == cfg_.n200) {
        mdl_error(MdlError::kDiscUnanswered);
        release_confirm();
        to_released();
      } else {
        ++rc_;
        send_u(FrameType::kDISC, true, true);
        start_t200();
      }
      break;
    case LinkState::kMultipleFrameEstablished:
      rc_ = 0;
      transmit_enquiry();
      ++rc_;
      state_ = LinkState::kTimerRecovery;
      break;
    case LinkState::kTimerRecovery:
      if (rc_ == cfg_.n200) {
        reestablish(MdlError::kEnquiryUnanswered);
      } else {
        transmit_enquiry();
        ++rc_;
      }
      break;
  }
}

void Q921Link::on_t203() {
  ++counters_.t203_expiries;
  if (state_ != LinkState::kMultipleFrameEstablished) return;
  transmit_enquiry();
  rc_ = 0;
  state_ = LinkState::kTimerRecovery;
}

void Q921Link::on_reestablish_timer() {
  if (state_ != LinkState::kTeiAssigned || !want_up_ || !layer1_up_) return;
  establish_for_layer3();
}

// ---------------------------------------------------------------------------
// SDL procedures

void Q921Link::establish_data_link() {
  clear_exception_conditions();
  rc_ = 0;
  send_u(FrameType::kSABME, true, true);
  start_t200();
  stop_t203();
}

// From state 4, for layer 3 (its request, a DM F=0, or persistence).
void Q921Link::establish_for_layer3() {
  disarm(reestablish_timer_);
  reestablish_cause_.reset();
  establish_data_link();
  state_ = LinkState::kAwaitingEstablishment;
}

// A re-establishment the link begins itself, after an error (§5.7.2, §5.8).
void Q921Link::reestablish(MdlError code) {
  mdl_error(code);
  ++counters_.reestablishments;
  reestablish_cause_ = code;
  establish_data_link();
  state_ = LinkState::kAwaitingEstablishment;
}

void Q921Link::clear_exception_conditions() {
  peer_busy_ = false;
  reject_exception_ = false;
  own_busy_ = false;
  ack_pending_ = false;
}

void Q921Link::transmit_enquiry() {
  send_s(own_busy_ ? FrameType::kRNR : FrameType::kRR, true, true);
  ack_pending_ = false;
  start_t200();
}

void Q921Link::enquiry_response() {
  send_s(own_busy_ ? FrameType::kRNR : FrameType::kRR, false, true);
  ack_pending_ = false;
}

std::uint8_t Q921Link::outstanding() const { return seq_diff(vs_, va_); }

bool Q921Link::n_r_valid(std::uint8_t n_r) const { return seq_diff(n_r, va_) <= outstanding(); }

void Q921Link::acknowledge_to(std::uint8_t n_r) {
  const std::size_t acked = std::min<std::size_t>(seq_diff(n_r, va_), iqueue_.size());
  iqueue_.erase(iqueue_.begin(), iqueue_.begin() + static_cast<std::ptrdiff_t>(acked));
  va_ = n_r;
}

// V(S) back to V(A): the unacknowledged frames go again, in order, as the
// window and the peer allow.
void Q921Link::invoke_retransmission() { vs_ = va_; }

void Q921Link::transmit_queued() {
  if (state_ != LinkState::kMultipleFrameEstablished) return;
  while (!peer_busy_ && outstanding() < cfg_.k && outstanding() < iqueue_.size()) {
    QueuedFrame& q = iqueue_[outstanding()];
    send(Frame{.type = FrameType::kI, .command = true, .n_s = vs_, .n_r = vr_, .info = q.message});
    if (q.sent) ++counters_.retransmissions;
    q.sent = true;
    vs_ = seq_add(vs_, 1);
    ack_pending_ = false;
    if (!t200_) {
      stop_t203();
      start_t200();
    }
  }
}

void Q921Link::discard_iqueue() {
  counters_.i_frames_discarded += iqueue_.size();
  discarded_.clear();
  for (QueuedFrame& q : iqueue_) discarded_.push_back(std::move(q.message));
  iqueue_.clear();
}

void Q921Link::to_established() {
  discarded_.clear();
  stop_t200();
  start_t203();
  state_ = LinkState::kMultipleFrameEstablished;
  ++counters_.establishments;
  reestablish_delay_ = cfg_.reestablish_delay_min;
  reestablish_cause_.reset();
}

// State 4. Then, for a link layer 3 wants: at once if it asked during the
// release, else (persistence) after the back-off delay.
void Q921Link::to_released() {
  stop_t200();
  stop_t203();
  state_ = LinkState::kTeiAssigned;
  reestablish_cause_.reset();
  if (establish_after_release_) {
    establish_after_release_ = false;
    want_up_ = true;
    l3_waiting_ = true;
    if (layer1_up_) establish_for_layer3();
    return;
  }
  if (!cfg_.persistent) want_up_ = false;
  if (!want_up_ || !layer1_up_) return;
  arm(reestablish_timer_, reestablish_delay_, &Q921Link::on_reestablish_timer);
  log_line(core::LogLevel::kDebug, "",
           "re-establishing in " + std::to_string(reestablish_delay_.count()) + " ms");
  reestablish_delay_ = std::min(reestablish_delay_ * 2, cfg_.reestablish_delay_max);
}

// Layer 3 learns the link is up: CONFIRM if it asked, else INDICATION.
// `reset`: a link it had was reset (Q.931 §5.8.8, data link reset).
void Q921Link::tell_up(bool reset) {
  const bool confirm = l3_waiting_ && !reset;
  indicate(DlIndication{.primitive = confirm ? DlPrimitive::kEstablishConfirm : DlPrimitive::kEstablishIndication});
  if (!l3_link_up_) log_line(core::LogLevel::kInfo, "", "link up");
  l3_link_up_ = true;
  l3_waiting_ = false;
}

// Layer 3 learns that a link it had, or had asked for, is gone; a failed
// attempt of the link's own it does not hear of again.
void Q921Link::tell_down(ReleaseReason reason) {
  const std::optional<MdlError> after = reestablish_cause_;
  if (!l3_link_up_ && !l3_waiting_) return;
  ++counters_.releases;
  indicate(DlIndication{.primitive = DlPrimitive::kReleaseIndication, .reason = reason, .after = after});
  std::string line = "link down: " + std::string(release_reason_text(reason));
  if (after) line += std::string(", after MDL-ERROR ") + mdl_error_letter(*after) + " (" + std::string(mdl_error_text(*after)) + ")";
  log_line(core::LogLevel::kWarn, "", line);
  l3_link_up_ = false;
  l3_waiting_ = false;
}

void Q921Link::release_confirm() {
  indicate(DlIndication{.primitive = DlPrimitive::kReleaseConfirm});
  if (l3_link_up_) log_line(core::LogLevel::kInfo, "", "link released");
  l3_link_up_ = false;
  l3_waiting_ = false;
}

}  // namespace sipnic::pri
