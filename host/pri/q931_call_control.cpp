// The call states of Q.931 §5 (establishment, clearing), §5.8 (errors) and
// the link reaction of §5.8.8; the global call reference procedures are in
// q931_global_procedures.cpp. q931_call_control.h says what is chosen where.
#include "pri/q931_call_control.h"

#include <algorithm>
#include <stdexcept>

#include "pri/q931_call_setup.h"

namespace sipnic::pri {

using q931::Answer;
using q931::MessageType;

Q931CallControl::Turn::~Turn() {
  if (c_.depth_ == 1) {
    while (!c_.events_.empty()) {
      PendingEvent p = std::move(c_.events_.front());
      c_.events_.pop_front();
      if (p.setup) p.event.setup = &*p.setup;
      if (c_.cb_.on_event) c_.cb_.on_event(p.event);
    }
  }
  --c_.depth_;
}

namespace {

std::vector<std::uint8_t> timer_diagnostic(int number) {
  // Q.850 §2.2.7.4: cause 102's diagnostic is the timer number in IA5.
  const std::string s = std::to_string(number);
  return {s.begin(), s.end()};
}

bool is_inband(std::optional<std::uint8_t> progress) {
  return progress && (*progress == static_cast<std::uint8_t>(q931::ProgressDescription::kNotEndToEndIsdn) ||
                      *progress == static_cast<std::uint8_t>(q931::ProgressDescription::kInbandInformationAvailable));
}

}  // namespace

Q931CallControl::Q931CallControl(core::EventLoop& loop, Q931Config config, BChannelPool& channels,
                                 Callbacks callbacks, core::Log* log)
    : loop_(loop),
      cfg_(std::move(config)),
      variant_(variant_traits(cfg_.variant)),
      own_interfaces_(std::in_place, channels),
      channels_(*own_interfaces_),
      cb_(std::move(callbacks)),
      log_(log) {
  check_config();
}

Q931CallControl::Q931CallControl(core::EventLoop& loop, Q931Config config, ChannelInterfaces& channels,
                                 Callbacks callbacks, core::Log* log)
    : loop_(loop),
      cfg_(std::move(config)),
      variant_(variant_traits(cfg_.variant)),
      channels_(channels),
      cb_(std::move(callbacks)),
      log_(log) {
  check_config();
}

void Q931CallControl::check_config() const {
  if (channels_.line() != cfg_.line) throw std::invalid_argument("the channel pool is for another line type");
  if (channels_.named() && !variant_.channel_interface_identifier)
    throw std::invalid_argument("the switch variant sends no interface identifier, which NFAS needs");
  if (cfg_.n316 == 0 || cfg_.n322 == 0) throw std::invalid_argument("n316 and n322 must be at least 1");
}

Q931CallControl::~Q931CallControl() {
  for (auto& [id, c] : calls_) {
    if (c.timer_id) loop_.cancel_timer(c.timer_id);
    if (c.t309) loop_.cancel_timer(c.t309);
    if (c.t322) loop_.cancel_timer(c.t322);
  }
  for (auto& r : restarts_)
    if (r.t316) loop_.cancel_timer(r.t316);
}

// ---------------------------------------------------------------------------
// Layer 2

void Q931CallControl::dl_indication(const DlIndication& ind) {
  Turn turn(*this);
  switch (ind.primitive) {
    case DlPrimitive::kEstablishIndication:
    case DlPrimitive::kEstablishConfirm:
      on_link_up();
      break;
    case DlPrimitive::kReleaseIndication:
    case DlPrimitive::kReleaseConfirm:
      on_link_down();
      break;
    case DlPrimitive::kDataIndication:
      if (!link_up_) on_link_up();  // a message came: the link is up whatever was said before
      on_message(ind.message);
      break;
  }
}

void Q931CallControl::on_link_up() {
  if (link_up_) return;
  link_up_ = true;
  log_line(core::LogLevel::kInfo, "", "D-channel up: calls can be made");
  for (auto& [id, c] : calls_) {
    if (!c.t309) continue;
    // A call whose interface's line is still down keeps its T309 for that.
    const BChannelPool* pool = channels_.pool(c.channel.interface);
    if (!pool || !pool->line_down()) {
      loop_.cancel_timer(c.t309);
      c.t309 = 0;
    }
    // §5.8.8: tell the peer where the call is.
    send_status(reference_of(c), static_cast<std::uint8_t>(state(c)), Cause::kNormalUnspecified);
  }
  if (!restarts_.empty() && restarts_.front().sent == 0) send_next_restart();
}

void Q931CallControl::on_link_down() {
  if (!link_up_) return;
  link_up_ = false;
  ++counters_.link_losses;
  std::size_t kept = 0, cleared = 0;
  std::vector<CallId> to_clear;
  for (auto& [id, c] : calls_) {
    if (c.phase == Phase::kActive && cfg_.timers.t309_ms > 0) {
      if (!c.t309) {
        const CallId cid = id;
        c.t309 = loop_.add_timer(core::Millis(cfg_.timers.t309_ms), [this, cid] { on_t309(cid); });
      }
      ++kept;
    } else {
      to_clear.push_back(id);
    }
  }
  for (CallId id : to_clear) {
    if (Call* c = find(id)) {
      clear_internally(*c, Cause::kDestinationOutOfOrder);
      ++cleared;
    }
  }
  log_line(core::LogLevel::kWarn, "",
           "D-channel down: " + std::to_string(kept) + " active call(s) kept for T309, " + std::to_string(cleared) +
               " call(s) cleared (cause 27)");
}

void Q931CallControl::on_t309(CallId id) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c) return;
  c->t309 = 0;
  ++counters_.timer_expiries;
  if (link_up_) {  // it ran for the interface's line, not for the link
    log_line(core::LogLevel::kWarn, "",
             describe(*c) + ": T309 expired, the line of its interface did not come back: cleared (cause 41)");
    start_clearing(*c, Cause::kTemporaryFailure);
    return;
  }
  log_line(core::LogLevel::kWarn, "", describe(*c) + ": T309 expired, the D-channel did not come back: cleared (cause 27)");
  clear_internally(*c, Cause::kDestinationOutOfOrder);
}

void Q931CallControl::interface_layer1(std::uint8_t interface, bool up) {
  Turn turn(*this);
  BChannelPool* pool = channels_.pool(interface);
  if (!pool || pool->line_down() == !up) return;
  pool->set_line_down(!up);
  const std::string where = channels_.named() ? "interface " + std::to_string(interface) : std::string("the span");
  std::size_t kept = 0;
  std::vector<CallId> to_clear;
  for (auto& [id, c] : calls_) {
    if (c.channel.interface != interface || !c.channel) continue;
    if (up) {
      // The line is back; a T309 that runs for the link stays.
      if (c.t309 && link_up_) {
        loop_.cancel_timer(c.t309);
        c.t309 = 0;
        ++kept;
      }
    } else if (c.phase == Phase::kActive && cfg_.timers.t309_ms > 0) {
      if (!c.t309) {
        const CallId cid = id;
        c.t309 = loop_.add_timer(core::Millis(cfg_.timers.t309_ms), [this, cid] { on_t309(cid); });
      }
      ++kept;
    } else if (c.phase != Phase::kDisconnectSent && c.phase != Phase::kReleaseSent) {
      to_clear.push_back(id);
    }
  }
  if (up) {
    log_line(core::LogLevel::kInfo, "", where + ": line back, its B-channels in use again (" + std::to_string(kept) +
                                            " call(s) kept)");
    return;
  }
  for (CallId id : to_clear)
    if (Call* c = find(id)) start_clearing(*c, Cause::kTemporaryFailure);
  log_line(core::LogLevel::kWarn, "", where + ": line down: " + std::to_string(kept) + " active call(s) kept for T309, " +
                                          std::to_string(to_clear.size()) + " call(s) cleared (cause 41)");
}

// ---------------------------------------------------------------------------
// Received messages

q931::DecodeOptions Q931CallControl::decode_options(const Call* c) const {
  q931::DecodeOptions o;
  o.variant = &variant_;
  o.line = cfg_.line;
  o.direction = cfg_.side == Side::kUser ? q931::Direction::kNetworkToUser : q931::Direction::kUserToNetwork;
  o.call_reference_length = 2;
  if (c) {
    // The user side insists on the channel in the network's first answer;
    // the network side sent its channel exclusive, and a user that accepts
    // it may leave the IE out (Q.931 §3.1 notes).
    o.first_response_to_setup = c->outgoing && !c->answered && cfg_.side == Side::kUser;
    o.first_clearing_message = !c->clearing_seen;
  }
  return o;
}

void Q931CallControl::on_message(std::span<const std::uint8_t> octets) {
  ++counters_.messages_in;
  q931::DecodedMessage d = q931::decode_message(octets, decode_options(nullptr));
  if (d.answer == Answer::kIgnore) {
    ++counters_.ignored;
    log_line(core::LogLevel::kDebug, "ignored",
             "ignored a message of " + std::to_string(octets.size()) + " octets: " +
                 std::string(q931::problem_name(d.problem)));
    return;
  }
  const q931::CallReference& cr = d.message.call_reference;
  if (cr.is_global()) {
    if (d.answer == Answer::kStatus) {
      ++counters_.protocol_errors;
      send_status({2, 0, !cr.flag}, 0, d.cause.value_or(Cause::kInvalidCallReference), d.diagnostic);
      return;
    }
    on_global(d);
    return;
  }
  if (cr.is_dummy()) {
    ++counters_.ignored;
    return;
  }
  // The flag is set on messages to the side that allocated the reference.
  Call* c = find_reference(cr.value, cr.flag);
  if (!c) {
    on_unknown_reference(d);
    return;
  }
  const q931::DecodeOptions o = decode_options(c);
  if (o.first_response_to_setup || o.first_clearing_message) d = q931::decode_message(octets, o);
  if (d.answer == Answer::kIgnore) {
    ++counters_.ignored;
    return;
  }
  on_call_message(*c, d);
}

// §5.8.3.2: a message whose call reference names no call.
void Q931CallControl::on_unknown_reference(const q931::DecodedMessage& d) {
  const q931::CallReference& cr = d.message.call_reference;
  const q931::CallReference back{2, cr.value, !cr.flag};
  const bool known_type = d.problem != q931::Problem::kUnknownMessageType;
  if (known_type && d.message.type == MessageType::kSetup && !cr.flag) {
    if (d.answer == Answer::kReleaseComplete) {
      ++counters_.protocol_errors;
      ++counters_.calls_refused;
      log_line(core::LogLevel::kInfo, "bad-setup",
               "refused a SETUP: " + std::string(q931::problem_name(d.problem)) + " (cause " +
                   std::to_string(static_cast<int>(d.cause.value_or(Cause::kInvalidIeContents))) + ")");
      send_release_complete(back, d.cause, d.diagnostic);
      return;
    }
    on_incoming_setup(d);
    return;
  }
  ++counters_.unknown_call_reference;
  if (!known_type) {
    send_release_complete(back, Cause::kInvalidCallReference);  // rule a
    return;
  }
  switch (d.message.type) {
    case MessageType::kReleaseComplete:  // rule c
      return;
    case MessageType::kRelease:  // rule b
      send_release_complete(back, Cause::kInvalidCallReference);
      return;
    case MessageType::kStatusEnquiry:  // rule g
      send_status(back, 0, Cause::kResponseToStatusEnquiry);
      return;
    case MessageType::kStatus: {  // §5.8.11: a STATUS for a call this side does not have
      std::uint8_t peer_state = 0;
      if (const auto* e = d.message.find(q931::ie::kCallState))
        if (auto s = q931::decode_call_state(e->contents)) peer_state = s->value;
      if (peer_state != 0) send_release_complete(back, Cause::kMessageNotCompatibleWithState);
      return;
    }
    default:  // rule a
      send_release_complete(back, Cause::kInvalidCallReference);
      return;
  }
}

void Q931CallControl::on_incoming_setup(const q931::DecodedMessage& d) {
  const q931::Message& m = d.message;
  Call& c = add_call(m.call_reference.value, false);
  c.phase = Phase::kInitiated;
  CallSetup setup = q931::read_setup(m, variant_);
  // Speech, 3.1 kHz audio and 64 kbit/s unrestricted circuits: what a B-channel carries.
  const auto& b = setup.bearer;
  std::optional<Cause> refuse;
  if (b.coding != q931::CodingStandard::kItuT || b.mode != q931::TransferMode::kCircuit ||
      b.rate != q931::TransferRate::k64kbit)
    refuse = Cause::kBearerCapabilityNotImplemented;
  if (!refuse) refuse = choose_incoming_channel(c, m);
  if (refuse) {
    ++counters_.calls_refused;
    log_line(core::LogLevel::kInfo, "refused",
             "refused an incoming call for " + (setup.called.digits.empty() ? "(no number)" : setup.called.digits) +
                 ": cause " + std::to_string(static_cast<int>(*refuse)) + " (" + std::string(cause_name(static_cast<std::uint8_t>(*refuse)).value_or("?")) +
                 ")");
    send_release_complete(reference_of(c), *refuse);
    if (c.channel) channels_.release(c.channel, c.id);
    by_reference_.erase({c.outgoing, c.cr});
    calls_.erase(c.id);
    return;
  }
  ++counters_.calls_in;
  if (logging(core::LogLevel::kDebug))  // per call: the text only when it is logged
    log_line(core::LogLevel::kDebug, "", describe(c) + ": SETUP for " + setup.called.digits);
  emit(event(c, CallEventType::kIncomingSetup), std::move(setup));
  if (d.answer == Answer::kProcessThenStatus && d.cause)
    send_status(reference_of(c), static_cast<std::uint8_t>(state(c)), *d.cause, d.diagnostic);
}

void Q931CallControl::on_call_message(Call& c, const q931::DecodedMessage& d) {
  const q931::Message& m = d.message;
  switch (d.answer) {
    case Answer::kStatus:
      ++counters_.protocol_errors;
      log_line(core::LogLevel::kDebug, "status",
               describe(c) + ": " + std::string(q931::problem_name(d.problem)) + ": STATUS sent");
      send_status(reference_of(c), static_cast<std::uint8_t>(state(c)), d.cause.value_or(Cause::kInvalidMessage),
                  d.diagnostic);
      return;
    case Answer::kReleaseComplete:  // a SETUP on a reference in use (§5.8.3.2 e)
      ++counters_.ignored;
      return;
    default:
      break;
  }
  const bool outgoing = c.outgoing;
  const bool user = cfg_.side == Side::kUser;
  switch (m.type) {
    case MessageType::kSetup:  // §5.8.3.2 e
      ++counters_.ignored;
      return;
    case MessageType::kSetupAcknowledge:
      if (!outgoing || c.phase != Phase::kInitiated) return out_of_state(c, d);
      on_first_answer(c, m);
      if (!find(c.id)) return;
      c.phase = Phase::kOverlap;
      stop_timer(c);
      if (user) start_timer(c, Timer::kT304);
      emit(event(c, CallEventType::kSetupAcknowledged, &m));
      break;
    case MessageType::kCallProceeding:
      if (!outgoing || (c.phase != Phase::kInitiated && c.phase != Phase::kOverlap)) return out_of_state(c, d);
      on_first_answer(c, m);
      if (!find(c.id)) return;
      c.phase = Phase::kProceeding;
      start_timer(c, Timer::kT310);
      emit(event(c, CallEventType::kProceeding, &m));
      break;
    case MessageType::kAlerting:
      if (!outgoing || (c.phase != Phase::kInitiated && c.phase != Phase::kOverlap && c.phase != Phase::kProceeding))
        return out_of_state(c, d);
      on_first_answer(c, m);
      if (!find(c.id)) return;
      c.phase = Phase::kAlerting;
      start_timer(c, Timer::kT301);
      emit(event(c, CallEventType::kAlerting, &m));
      break;
    case MessageType::kProgress: {
      const bool early = c.phase == Phase::kInitiated || c.phase == Phase::kOverlap ||
                         c.phase == Phase::kProceeding || c.phase == Phase::kAlerting;
      if (!early) return out_of_state(c, d);
      // §5.1.6: in-band information stops T310 (the far end will not answer in Q.931 terms).
      if (c.timer == Timer::kT310 && is_inband(q931::read_progress(m))) stop_timer(c);
      if (outgoing && c.phase == Phase::kInitiated && c.timer == Timer::kT303) {
        // An interworking network may answer with PROGRESS first: the SETUP arrived.
        stop_timer(c);
      }
      emit(event(c, CallEventType::kProgress, &m));
      break;
    }
    case MessageType::kConnect:
      if (!outgoing || (c.phase != Phase::kInitiated && c.phase != Phase::kOverlap &&
                        c.phase != Phase::kProceeding && c.phase != Phase::kAlerting))
        return out_of_state(c, d);
      on_first_answer(c, m);
      if (!find(c.id)) return;
      stop_timer(c);
      c.phase = Phase::kActive;
      send(message(c, MessageType::kConnectAcknowledge));
      ++counters_.calls_answered;
      {
        CallEvent e = event(c, CallEventType::kConnected, &m);
        e.connected = q931::read_connected_number(m, variant_);
        emit(std::move(e));
      }
      break;
    case MessageType::kConnectAcknowledge:
      if (!outgoing && c.phase == Phase::kConnectSent) {
        stop_timer(c);
        c.phase = Phase::kActive;
        ++counters_.calls_answered;
        emit(event(c, CallEventType::kConnected));
      } else if (!outgoing && c.phase == Phase::kActive && !user) {
        // The network side went active on its CONNECT; the user may still acknowledge it.
      } else {
        return out_of_state(c, d);
      }
      break;
    case MessageType::kDisconnect:
      on_disconnect(c, d);
      return;  // the call may be gone
    case MessageType::kRelease:
      on_release(c, d);
      return;
    case MessageType::kReleaseComplete:
      on_release_complete(c, d);
      return;
    case MessageType::kInformation: {
      if (c.phase == Phase::kInitiated || c.phase == Phase::kReleaseSent) return out_of_state(c, d);
      CallEvent e = event(c, CallEventType::kInformation, &m);
      e.digits = q931::read_digits(m);
      e.sending_complete = m.find(q931::ie::kSendingComplete) != nullptr;
      if (!outgoing && c.phase == Phase::kOverlap) {
        if (e.sending_complete)
          stop_timer(c);
        else
          start_timer(c, Timer::kT302);  // restarted by every digit
      }
      emit(std::move(e));
      break;
    }
    case MessageType::kNotify: {
      if (c.phase == Phase::kReleaseSent) return out_of_state(c, d);
      CallEvent e = event(c, CallEventType::kNotify, &m);
      if (const auto* ie = m.find(q931::ie::kNotificationIndicator))
        if (auto n = q931::decode_notification_indicator(ie->contents, variant_.extended_notifications))
          e.notification = n->description;
      emit(std::move(e));
      break;
    }
    case MessageType::kFacility:
      emit(event(c, CallEventType::kFacility, &m));
      break;
    case MessageType::kStatusEnquiry:
      send_status(reference_of(c), static_cast<std::uint8_t>(state(c)), Cause::kResponseToStatusEnquiry);
      break;
    case MessageType::kStatus:
      on_status(c, m);
      return;
    default:  // global call reference messages on a call's reference: the codec drops those
      return out_of_state(c, d);
  }
  if (d.answer == Answer::kProcessThenStatus && d.cause && find(c.id))
    send_status(reference_of(c), static_cast<std::uint8_t>(state(c)), *d.cause, d.diagnostic);
}

// The first answer to this side's SETUP: the channel the far end takes.
void Q931CallControl::on_first_answer(Call& c, const q931::Message& m) {
  if (c.answered) return;
  c.answered = true;
  stop_timer(c);  // T303
  c.setup_octets.clear();
  c.setup_octets.shrink_to_fit();
  const auto id = q931::read_channel(m, variant_, cfg_.line);
  if (!id || id->channels.empty()) {
    if (c.channel) c.channel_confirmed = true;  // the network side's exclusive channel, accepted
    return;
  }
  const auto interface = channels_.resolve(id->interface_id);
  if (!interface) {
    log_line(core::LogLevel::kWarn, "channel",
             describe(c) + ": the far end answered on interface " + std::to_string(*id->interface_id) +
                 ", which is not here: cleared (cause 82)");
    start_clearing(c, Cause::kIdentifiedChannelDoesNotExist);
    return;
  }
  const ChannelRef ch{*interface, id->channels.front()};
  if (ch == c.channel) {
    c.channel_confirmed = true;
    return;
  }
  // The far end chose another channel (ours was preferred, or a glare took it).
  if (c.channel) channels_.release(c.channel, c.id);
  c.channel = {};
  if (!channels_.seize(ch, c.id)) {
    log_line(core::LogLevel::kWarn, "channel",
             describe(c) + ": the far end answered on " + channel_text(ch) + ", which is not free here: cleared (cause 44)");
    start_clearing(c, Cause::kRequestedCircuitNotAvailable);
    return;
  }
  c.channel = ch;
  c.channel_confirmed = true;
}

// The far end's clearing cause (31 for one whose cause IE was missing or
// bad), unless this side cleared first or a cause is already known.
void Q931CallControl::take_far_end_cause(Call& c, const q931::DecodedMessage& d) {
  if (c.cleared_here || c.cause) return;
  if (d.answer == Answer::kClearAsNormal) {
    c.cause = Cause::kNormalUnspecified;
  } else if (const auto cause = q931::read_cause(d.message)) {
    c.cause = static_cast<Cause>(cause->value);
    c.location = cause->location;
  }
}

// Whether the answer to a clearing message carries the cause of an error
// the codec found in it (Q.931 §5.8.6, §5.8.7: 96, 100, 99).
bool Q931CallControl::answer_carries_error_cause(const q931::DecodedMessage& d) {
  return (d.answer == Answer::kClearAsNormal || d.answer == Answer::kProcessClearWithCause) && d.cause;
}

void Q931CallControl::on_disconnect(Call& c, const q931::DecodedMessage& d) {
  switch (c.phase) {
    case Phase::kReleaseSent:  // §5.3: ignored there
      return;
    case Phase::kDisconnectReceived:
      return out_of_state(c, d);
    case Phase::kDisconnectSent:
      // Clear collision (§5.3.5): both sent DISCONNECT; this side releases.
      stop_timer(c);
      c.clearing_seen = true;
      send_release(c, std::nullopt);
      return;
    default:
      break;
  }
  stop_timer(c);
  c.clearing_seen = true;
  c.phase = Phase::kDisconnectReceived;
  c.cause.reset();  // the far end's cause is the one to report, over any of ours
  c.location.reset();
  take_far_end_cause(c, d);
  CallEvent e = event(c, CallEventType::kDisconnecting, &d.message);
  e.cause = c.cause;
  e.location = c.location;
  emit(std::move(e));
  // Answered at once (see the header). The RELEASE carries the cause of an
  // error found in the DISCONNECT, else the DISCONNECT's own cause again (as
  // libpri does, whose users report the cause of the RELEASE they get).
  q931::CauseIe answer_cause = cause_ie(c.cause.value_or(Cause::kNormalUnspecified));
  if (answer_carries_error_cause(d)) answer_cause = cause_ie(*d.cause, d.diagnostic);
  send_release(c, answer_cause);
}

void Q931CallControl::on_release(Call& c, const q931::DecodedMessage& d) {
  stop_timer(c);
  take_far_end_cause(c, d);
  if (c.phase == Phase::kReleaseSent) {
    // Release collision (§5.3.5): no RELEASE COMPLETE; the call is gone.
    finish(c);
    return;
  }
  std::optional<Cause> answer_cause;
  std::vector<std::uint8_t> diagnostic;
  if (answer_carries_error_cause(d)) {
    answer_cause = d.cause;
    diagnostic = d.diagnostic;
  }
  send_release_complete(reference_of(c), answer_cause, diagnostic);
  finish(c);
}

void Q931CallControl::on_release_complete(Call& c, const q931::DecodedMessage& d) {
  stop_timer(c);
  take_far_end_cause(c, d);
  finish(c);
}

// §5.8.11. Only a peer in the Null state clears the call (see the header).
void Q931CallControl::on_status(Call& c, const q931::Message& m) {
  if (c.t322) {
    loop_.cancel_timer(c.t322);
    c.t322 = 0;
    c.t322_sent = 0;
  }
  std::uint8_t peer = 0xFF;
  if (const auto* e = m.find(q931::ie::kCallState))
    if (auto s = q931::decode_call_state(e->contents)) peer = s->value;
  const auto cause = q931::read_cause(m);
  if (peer == 0) {
    log_line(core::LogLevel::kInfo, "", describe(c) + ": the far end reports no such call (STATUS, null state): cleared");
    if (!c.cleared_here && !c.cause && cause) c.cause = static_cast<Cause>(cause->value);
    if (!c.cause) c.cause = Cause::kMessageNotCompatibleWithState;
    finish(c);
    return;
  }
  if (peer != static_cast<std::uint8_t>(state(c)) && cause &&
      cause->value != static_cast<std::uint8_t>(Cause::kResponseToStatusEnquiry))
    log_line(core::LogLevel::kDebug, "status",
             describe(c) + ": STATUS from the far end: its state " + std::to_string(peer) + ", cause " +
                 std::to_string(cause->value));
}

void Q931CallControl::out_of_state(Call& c, const q931::DecodedMessage& d) {
  ++counters_.out_of_state;
  log_line(core::LogLevel::kDebug, "out-of-state",
           describe(c) + ": " + std::string(q931::message_type_name(d.message.type)) +
               " is not expected here: STATUS 101");
  send_status(reference_of(c), static_cast<std::uint8_t>(state(c)), Cause::kMessageNotCompatibleWithState,
              {d.message_type_code});
}

// ---------------------------------------------------------------------------
// Channels

q931::InformationElement Q931CallControl::channel_ie(ChannelRef channel, bool exclusive) const {
  q931::ChannelIdentification id;
  id.exclusive = exclusive;
  id.selection = q931::ChannelSelection::kIndicated;
  id.interface_id = channels_.identifier_for(channel.interface);
  id.channels = {channel.channel};
  return q931::to_ie(id, cfg_.line);
}

q931::InformationElement Q931CallControl::interface_ie(std::uint8_t interface) const {
  q931::ChannelIdentification id;
  id.exclusive = true;
  id.selection = q931::ChannelSelection::kNoChannel;
  id.interface_id = channels_.identifier_for(interface);
  return q931::to_ie(id, cfg_.line);
}

std::string Q931CallControl::channel_text(ChannelRef channel) const {
  std::string s = "channel " + std::to_string(channel.channel);
  if (channels_.named()) s += " of interface " + std::to_string(channel.interface);
  return s;
}

// The channel for an incoming SETUP (§5.1.2 on the network side, §5.2.3 on
// the user side), seized for `c`; or the cause that refuses the call.
std::optional<Cause> Q931CallControl::choose_incoming_channel(Call& c, const q931::Message& setup) {
  const auto id = q931::read_channel(setup, variant_, cfg_.line);
  bool exclusive = false;
  std::optional<std::uint8_t> wanted;
  std::uint8_t interface = channels_.d_channel_interface();
  if (id) {
    if (id->d_channel || id->selection == q931::ChannelSelection::kNoChannel) return Cause::kChannelUnacceptable;
    if (id->type != q931::ChannelType::kB) return Cause::kChannelTypeNotImplemented;
    const auto found = channels_.resolve(id->interface_id);
    if (!found) return Cause::kIdentifiedChannelDoesNotExist;
    interface = *found;
    exclusive = id->exclusive;
    if (id->selection == q931::ChannelSelection::kIndicated && !id->channels.empty()) wanted = id->channels.front();
  }
  if (wanted) {
    const ChannelRef ch{interface, *wanted};
    if (!channels_.in_service(ch)) {
      if (exclusive) return Cause::kIdentifiedChannelDoesNotExist;
    } else if (channels_.seize(ch, c.id)) {
      c.channel = ch;
      c.channel_confirmed = true;
      return std::nullopt;
    } else if (cfg_.side == Side::kUser) {
      // Glare: the network's choice wins over this side's own unanswered SETUP.
      Call* mine = find(channels_.occupant(ch));
      if (mine && mine->outgoing && !mine->channel_confirmed && channels_.take_over(ch, c.id)) {
        ++counters_.glares;
        log_line(core::LogLevel::kInfo, "glare",
                 "glare on " + channel_text(ch) + ": the network's call takes it; " + describe(*mine) +
                     " waits for the network's choice");
        mine->channel = {};
        c.channel = ch;
        c.channel_confirmed = true;
        return std::nullopt;
      }
      if (exclusive) return Cause::kRequestedCircuitNotAvailable;
    } else {
      // Network side: glare when this side's own unanswered SETUP holds the
      // channel; the network keeps it either way.
      const Call* mine = find(channels_.occupant(ch));
      if (mine && mine->outgoing && !mine->answered) {
        ++counters_.glares;
        log_line(core::LogLevel::kInfo, "glare",
                 "glare on " + channel_text(ch) + ": " + describe(*mine) + " keeps it; the user's SETUP gets " +
                     (exclusive ? "cause 44" : "another channel"));
      }
      if (exclusive) return Cause::kRequestedCircuitNotAvailable;
    }
  }
  // Another channel: on the interface the SETUP named, or (none named) any.
  const auto ch = id && id->interface_id ? channels_.hunt(interface) : channels_.hunt();
  if (!ch) return Cause::kNoCircuitAvailable;
  channels_.seize(*ch, c.id);
  c.channel = *ch;
  c.channel_confirmed = true;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Requests from the layer above

SetupResult Q931CallControl::setup(const OutgoingCall& req) {
  Turn turn(*this);
  SetupResult r;
  if (!link_up_) {
    r.refused = Cause::kNetworkOutOfOrder;
    return r;
  }
  ChannelRef ch;
  if (req.interface && !channels_.pool(*req.interface)) {
    r.refused = Cause::kIdentifiedChannelDoesNotExist;
    return r;
  }
  if (req.channel) {
    ch = ChannelRef{req.interface.value_or(channels_.d_channel_interface()), *req.channel};
    if (!channels_.available(ch)) {
      r.refused = channels_.in_service(ch) ? Cause::kRequestedCircuitNotAvailable
                                           : Cause::kIdentifiedChannelDoesNotExist;
      return r;
    }
  } else {
    const auto hunted = req.interface ? channels_.hunt(*req.interface) : channels_.hunt();
    if (!hunted) {
      r.refused = Cause::kNoCircuitAvailable;
      return r;
    }
    ch = *hunted;
  }
  const auto cr = allocate_reference();
  if (!cr) {
    r.refused = Cause::kSwitchingEquipmentCongestion;
    return r;
  }
  Call& c = add_call(*cr, true);
  channels_.seize(ch, c.id);
  c.channel = ch;
  c.phase = Phase::kInitiated;
  q931::Message m = message(c, MessageType::kSetup);
  const bool exclusive = cfg_.side == Side::kNetwork || req.exclusive;
  m.add(channel_ie(ch, exclusive));
  q931::add_setup_ies(m, req.setup, variant_, cfg_.side);
  c.setup_octets = q931::encode_message(m);
  if (c.setup_octets.empty() || !send(m)) {
    channels_.release(ch, c.id);
    by_reference_.erase({true, c.cr});
    calls_.erase(c.id);
    r.refused = Cause::kTemporaryFailure;
    return r;
  }
  ++counters_.calls_out;
  start_timer(c, Timer::kT303);
  r.call = c.id;
  r.channel = ch.channel;
  r.interface = ch.interface;
  if (logging(core::LogLevel::kDebug))
    log_line(core::LogLevel::kDebug, "", describe(c) + ": SETUP for " + req.setup.called.digits);
  return r;
}

bool Q931CallControl::setup_acknowledge(CallId id) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->outgoing || c->phase != Phase::kInitiated) return false;
  q931::Message m = message(*c, MessageType::kSetupAcknowledge);
  m.add(channel_ie(c->channel, true));
  c->answered = true;
  c->phase = Phase::kOverlap;
  send(m);
  start_timer(*c, Timer::kT302);
  return true;
}

bool Q931CallControl::proceeding(CallId id) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->outgoing || (c->phase != Phase::kInitiated && c->phase != Phase::kOverlap)) return false;
  q931::Message m = message(*c, MessageType::kCallProceeding);
  if (!c->answered) m.add(channel_ie(c->channel, true));
  c->answered = true;
  stop_timer(*c);
  c->phase = Phase::kProceeding;
  send(m);
  return true;
}

bool Q931CallControl::alerting(CallId id, std::optional<q931::ProgressDescription> progress) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->outgoing ||
      (c->phase != Phase::kInitiated && c->phase != Phase::kOverlap && c->phase != Phase::kProceeding))
    return false;
  q931::Message m = message(*c, MessageType::kAlerting);
  if (!c->answered) m.add(channel_ie(c->channel, true));
  if (progress) m.add(progress_ie(*progress));
  c->answered = true;
  stop_timer(*c);
  c->phase = Phase::kAlerting;
  send(m);
  return true;
}

bool Q931CallControl::progress(CallId id, q931::ProgressDescription description) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->outgoing ||
      (c->phase != Phase::kOverlap && c->phase != Phase::kProceeding && c->phase != Phase::kAlerting))
    return false;
  q931::Message m = message(*c, MessageType::kProgress);
  m.add(progress_ie(description));
  send(m);
  return true;
}

bool Q931CallControl::answer(CallId id, std::optional<q931::PartyNumber> connected) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->outgoing ||
      (c->phase != Phase::kInitiated && c->phase != Phase::kOverlap && c->phase != Phase::kProceeding &&
       c->phase != Phase::kAlerting))
    return false;
  q931::Message m = message(*c, MessageType::kConnect);
  if (!c->answered) m.add(channel_ie(c->channel, true));
  if (connected) m.add(q931::to_connected_number_ie(*connected));
  c->answered = true;
  stop_timer(*c);
  send(m);
  if (cfg_.side == Side::kUser) {
    c->phase = Phase::kConnectSent;
    start_timer(*c, Timer::kT313);
  } else {
    c->phase = Phase::kActive;
    ++counters_.calls_answered;
    emit(event(*c, CallEventType::kConnected));
  }
  return true;
}

bool Q931CallControl::information(CallId id, std::string_view digits, bool sending_complete) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || !c->outgoing || c->phase != Phase::kOverlap) return false;
  q931::Message m = message(*c, MessageType::kInformation);
  if (!digits.empty()) {
    q931::CalledPartyNumber n;
    n.digits = std::string(digits);
    m.add(q931::to_called_party_number_ie(n));
  }
  if (sending_complete) m.add(q931::sending_complete_ie());
  send(m);
  if (cfg_.side == Side::kUser) start_timer(*c, Timer::kT304);
  return true;
}

bool Q931CallControl::disconnect(CallId id, Cause cause, bool inband) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c) return false;
  if (c->phase == Phase::kDisconnectSent || c->phase == Phase::kDisconnectReceived ||
      c->phase == Phase::kReleaseSent)
    return true;
  c->cleared_here = true;
  c->cause = cause;
  start_clearing(*c, cause, {}, inband);
  return true;
}

bool Q931CallControl::status_enquiry(CallId id) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->phase == Phase::kNull) return false;
  if (c->t322) return true;  // one at a time (§5.8.10)
  send(message(*c, MessageType::kStatusEnquiry));
  c->t322_sent = 1;
  const CallId cid = id;
  c->t322 = loop_.add_timer(core::Millis(cfg_.timers.t322_ms), [this, cid] { on_t322(cid); });
  return true;
}

void Q931CallControl::on_t322(CallId id) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c) return;
  c->t322 = 0;
  ++counters_.timer_expiries;
  if (c->t322_sent < cfg_.n322) {
    send(message(*c, MessageType::kStatusEnquiry));
    ++c->t322_sent;
    const CallId cid = id;
    c->t322 = loop_.add_timer(core::Millis(cfg_.timers.t322_ms), [this, cid] { on_t322(cid); });
    return;
  }
  log_line(core::LogLevel::kWarn, "", describe(*c) + ": no STATUS after " + std::to_string(cfg_.n322) +
                                          " STATUS ENQUIRYs: cleared (cause 41)");
  c->cause = Cause::kTemporaryFailure;
  c->cleared_here = true;
  start_clearing(*c, Cause::kTemporaryFailure);
}

bool Q931CallControl::notify(CallId id, std::uint8_t description) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->phase == Phase::kNull || c->phase == Phase::kReleaseSent) return false;
  // Only a description the variant knows (the decoder says which): the far
  // end would answer another with STATUS 100.
  q931::InformationElement ie = q931::to_ie(q931::NotificationIndicatorIe{description, {}});
  if (!q931::decode_notification_indicator(ie.contents, variant_.extended_notifications)) return false;
  q931::Message m = message(*c, MessageType::kNotify);
  m.add(std::move(ie));
  send(m);
  return true;
}

bool Q931CallControl::facility(CallId id, std::vector<q931::InformationElement> ies) {
  Turn turn(*this);
  Call* c = find(id);
  if (!c || c->phase == Phase::kNull || c->phase == Phase::kReleaseSent) return false;
  q931::Message m = message(*c, MessageType::kFacility);
  for (auto& e : ies) m.add(std::move(e));
  send(m);
  return true;
}

// ---------------------------------------------------------------------------
// Clearing

// This side clears `c`, telling the far end `to_peer`: RELEASE COMPLETE to
// an incoming call not answered yet, RELEASE after the far end's
// DISCONNECT, DISCONNECT otherwise (progress 8 with `inband`); with the
// link down, internally.
void Q931CallControl::start_clearing(Call& c, Cause to_peer, std::vector<std::uint8_t> diagnostics, bool inband) {
  if (c.phase == Phase::kDisconnectSent || c.phase == Phase::kReleaseSent) return;
  if (!c.cause) c.cause = to_peer;
  c.cleared_here = true;
  stop_timer(c);
  if (!link_up_) {
    clear_internally(c, *c.cause);
    return;
  }
  if (!c.outgoing && !c.answered) {
    send_release_complete(reference_of(c), to_peer, std::move(diagnostics));
    finish(c);
    return;
  }
  if (c.phase == Phase::kDisconnectReceived) {
    send_release(c, cause_ie(to_peer, std::move(diagnostics)));
    return;
  }
  q931::Message m = message(c, MessageType::kDisconnect);
  c.sent_cause = cause_ie(to_peer, std::move(diagnostics));
  m.add(q931::to_ie(*c.sent_cause));
  if (inband) m.add(progress_ie(q931::ProgressDescription::kInbandInformationAvailable));
  c.clearing_seen = true;
  c.phase = Phase::kDisconnectSent;
  send(m);
  start_timer(c, Timer::kT305);
}

// RELEASE: with `cause` when given (an error's cause, the DISCONNECT's
// again after T305), else with the call's cause when it is the first
// clearing message (Q.931 §3.1.9), else without.
void Q931CallControl::send_release(Call& c, std::optional<q931::CauseIe> cause) {
  q931::Message m = message(c, MessageType::kRelease);
  if (!cause && !c.clearing_seen) cause = cause_ie(c.cause.value_or(Cause::kNormalCallClearing));
  if (cause) {
    c.sent_cause = cause;
    m.add(q931::to_ie(*cause));
  }
  c.clearing_seen = true;
  c.phase = Phase::kReleaseSent;
  send(m);
  start_timer(c, Timer::kT308);
}

void Q931CallControl::clear_internally(Call& c, Cause cause) {
  stop_timer(c);
  if (!c.cause) c.cause = cause;
  finish(c);
}

void Q931CallControl::finish(Call& c) {
  stop_timer(c);
  if (c.t309) loop_.cancel_timer(c.t309);
  if (c.t322) loop_.cancel_timer(c.t322);
  if (c.channel) channels_.release(c.channel, c.id);
  CallEvent e = event(c, CallEventType::kReleased);
  e.cause = c.cause.value_or(Cause::kNormalUnspecified);
  e.location = c.location;
  e.cleared_here = c.cleared_here;
  if (logging(core::LogLevel::kDebug))
    log_line(core::LogLevel::kDebug, "",
           describe(c) + ": released, cause " + std::to_string(static_cast<int>(*e.cause)) +
               (c.cleared_here ? " (cleared here)" : " (cleared by the far end)"));
  by_reference_.erase({c.outgoing, c.cr});
  const CallId id = c.id;
  calls_.erase(id);  // c is gone
  emit(std::move(e));
}

// ---------------------------------------------------------------------------
// Timers

core::Millis Q931CallControl::timer_length(Timer t) const {
  const auto& T = cfg_.timers;
  switch (t) {
    case Timer::kT301: return core::Millis(T.t301_ms);
    case Timer::kT302: return core::Millis(T.t302_ms);
    case Timer::kT303: return core::Millis(T.t303_ms);
    case Timer::kT304: return core::Millis(T.t304_ms);
    case Timer::kT305: return core::Millis(T.t305_ms);
    case Timer::kT308: return core::Millis(T.t308_ms);
    case Timer::kT310: return core::Millis(T.t310_ms);
    case Timer::kT313: return core::Millis(T.t313_ms);
    case Timer::kNone: break;
  }
  return core::Millis(0);
}

void Q931CallControl::start_timer(Call& c, Timer t) {
  if (c.timer != t) c.expiries = 0;
  if (c.timer_id) loop_.cancel_timer(c.timer_id);
  c.timer = t;
  c.timer_id = 0;
  const core::Millis length = timer_length(t);
  if (length.count() == 0) {  // a timer configured off
    c.timer = Timer::kNone;
    return;
  }
  const CallId id = c.id;
  c.timer_id = loop_.add_timer(length, [this, id, t] { on_timer(id, t); });
}

void Q931CallControl::stop_timer(Call& c) {
  if (c.timer_id) loop_.cancel_timer(c.timer_id);
  c.timer_id = 0;
  c.timer = Timer::kNone;
  c.expiries = 0;
}

void Q931CallControl::on_timer(CallId id, Timer t) {
  Turn turn(*this);
  Call* found = find(id);
  if (!found || found->timer != t) return;
  Call& c = *found;
  c.timer_id = 0;
  ++c.expiries;
  ++counters_.timer_expiries;
  const std::uint8_t expiries = c.expiries;
  switch (t) {
    case Timer::kT303:
      if (expiries < 2 && !c.setup_octets.empty()) {
        // §5.1.1: the SETUP once more.
        ++counters_.messages_out;
        if (!cb_.send || !cb_.send(c.setup_octets)) ++counters_.send_refused;
        c.timer_id = loop_.add_timer(timer_length(t), [this, id, t] { on_timer(id, t); });
        return;
      }
      log_line(core::LogLevel::kInfo, "", describe(c) + ": no answer to the SETUP (T303 twice): cleared (cause 18)");
      c.cleared_here = true;
      clear_internally(c, Cause::kNoUserResponding);
      return;
    case Timer::kT301:
      c.cause = Cause::kNoAnswerFromUser;
      start_clearing(c, Cause::kRecoveryOnTimerExpiry, timer_diagnostic(301));
      return;
    case Timer::kT302: {
      // The digits so far are all there will be: the layer above decides
      // whether they make a number (proceeding) or not (disconnect, 28).
      c.timer = Timer::kNone;
      CallEvent e = event(c, CallEventType::kInformation);
      e.sending_complete = true;
      emit(std::move(e));
      return;
    }
    case Timer::kT304:
      start_clearing(c, Cause::kRecoveryOnTimerExpiry, timer_diagnostic(304));
      return;
    case Timer::kT310:
      start_clearing(c, Cause::kRecoveryOnTimerExpiry, timer_diagnostic(310));
      return;
    case Timer::kT313:
      start_clearing(c, Cause::kRecoveryOnTimerExpiry, timer_diagnostic(313));
      return;
    case Timer::kT305:
      // §5.3.3/§5.3.4: RELEASE with the cause of the DISCONNECT.
      c.timer = Timer::kNone;
      send_release(c, c.sent_cause);
      return;
    case Timer::kT308:
      if (expiries < 2) {
        q931::Message m = message(c, MessageType::kRelease);
        if (c.sent_cause) m.add(q931::to_ie(*c.sent_cause));
        send(m);
        c.timer_id = loop_.add_timer(timer_length(t), [this, id, t] { on_timer(id, t); });
        return;
      }
      {
        // §5.3.4.3: the channel goes into maintenance; a RESTART recovers it.
        ++counters_.release_failures;
        const ChannelRef ch = c.channel;
        log_line(core::LogLevel::kWarn, "release-failed",
                 describe(c) + ": RELEASE unanswered (T308 twice)" +
                     (ch ? ": " + channel_text(ch) + " out of service until a RESTART is acknowledged" : ""));
        finish(c);
        if (ch) {
          channels_.set_out_of_service(ch, true);
          restart(ch);
        }
      }
      return;
    case Timer::kNone:
      return;
  }
}

// ---------------------------------------------------------------------------
// Messages out

q931::Message Q931CallControl::message(const Call& c, MessageType type) const {
  return q931::make_message(type, reference_of(c), variant_);
}

q931::Message Q931CallControl::global_message(MessageType type, bool flag) const {
  return q931::make_message(type, q931::CallReference{2, 0, flag}, variant_);
}

bool Q931CallControl::send(const q931::Message& m) {
  const auto octets = q931::encode_message(m);
  if (octets.empty()) {
    log_line(core::LogLevel::kError, "encode",
             "could not encode a " + std::string(q931::message_type_name(m.type)) + " (a bug): not sent");
    return false;
  }
  ++counters_.messages_out;
  if (!cb_.send || !cb_.send(octets)) {
    ++counters_.send_refused;
    return false;
  }
  return true;
}

// A user side is the user; a network side facing a PBX is the private
// network serving it.
q931::Location Q931CallControl::own_location() const {
  return cfg_.side == Side::kUser ? q931::Location::kUser : q931::Location::kPrivateNetworkLocalUser;
}

q931::InformationElement Q931CallControl::progress_ie(q931::ProgressDescription description) const {
  return q931::to_ie(
      q931::ProgressIndicatorIe{q931::CodingStandard::kItuT, own_location(), static_cast<std::uint8_t>(description)});
}

q931::CauseIe Q931CallControl::cause_ie(Cause cause, std::vector<std::uint8_t> diagnostics) const {
  return q931::make_cause(cause, own_location(), std::move(diagnostics));
}

void Q931CallControl::send_status(const q931::CallReference& cr, std::uint8_t state, Cause cause,
                                  std::vector<std::uint8_t> diagnostic) {
  q931::Message m = q931::make_message(MessageType::kStatus, cr, variant_);
  m.add(q931::to_ie(cause_ie(cause, std::move(diagnostic))));
  m.add(q931::to_ie(q931::CallStateIe{q931::CodingStandard::kItuT, state}));
  send(m);
}

void Q931CallControl::send_release_complete(const q931::CallReference& cr, std::optional<Cause> cause,
                                            std::vector<std::uint8_t> diagnostic) {
  q931::Message m = q931::make_message(MessageType::kReleaseComplete, cr, variant_);
  if (cause) m.add(q931::to_ie(cause_ie(*cause, std::move(diagnostic))));
  send(m);
}

// ---------------------------------------------------------------------------
// Calls

CallState Q931CallControl::state(const Call& c) const {
  const bool user = cfg_.side == Side::kUser;
  const bool out = c.outgoing;
  switch (c.phase) {
    case Phase::kNull: return CallState::kNull;
    case Phase::kInitiated:
      return out ? (user ? CallState::kCallInitiated : CallState::kCallPresent)
                 : (user ? CallState::kCallPresent : CallState::kCallInitiated);
    case Phase::kOverlap:
      return out ? (user ? CallState::kOverlapSending : CallState::kOverlapReceiving)
                 : (user ? CallState::kOverlapReceiving : CallState::kOverlapSending);
    case Phase::kProceeding:
      return out ? (user ? CallState::kOutgoingCallProceeding : CallState::kIncomingCallProceeding)
                 : (user ? CallState::kIncomingCallProceeding : CallState::kOutgoingCallProceeding);
    case Phase::kAlerting:
      return out ? (user ? CallState::kCallDelivered : CallState::kCallReceived)
                 : (user ? CallState::kCallReceived : CallState::kCallDelivered);
    case Phase::kConnectSent: return CallState::kConnectRequest;
    case Phase::kActive: return CallState::kActive;
    case Phase::kDisconnectSent: return user ? CallState::kDisconnectRequest : CallState::kDisconnectIndication;
    case Phase::kDisconnectReceived: return user ? CallState::kDisconnectIndication : CallState::kDisconnectRequest;
    case Phase::kReleaseSent: return CallState::kReleaseRequest;
  }
  return CallState::kNull;
}

Q931CallControl::Call* Q931CallControl::find(CallId id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : &it->second;
}
const Q931CallControl::Call* Q931CallControl::find(CallId id) const {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : &it->second;
}

Q931CallControl::Call* Q931CallControl::find_reference(std::uint16_t cr, bool outgoing) {
  auto it = by_reference_.find({outgoing, cr});
  return it == by_reference_.end() ? nullptr : find(it->second);
}

Q931CallControl::Call& Q931CallControl::add_call(std::uint16_t cr, bool outgoing) {
  const CallId id = next_call_id_++;
  if (next_call_id_ == kNoCall) next_call_id_ = 1;
  Call& c = calls_[id];
  c.id = id;
  c.cr = cr;
  c.outgoing = outgoing;
  by_reference_[{outgoing, cr}] = id;
  return c;
}

std::optional<std::uint16_t> Q931CallControl::allocate_reference() {
  // 15-bit values, 1..32767, the next one not in use by this side's calls.
  for (int tries = 0; tries < 0x7FFF; ++tries) {
    const std::uint16_t v = next_reference_;
    next_reference_ = static_cast<std::uint16_t>(next_reference_ % 0x7FFF + 1);
    if (!by_reference_.count({true, v})) return v;
  }
  return std::nullopt;
}

CallEvent Q931CallControl::event(const Call& c, CallEventType type, const q931::Message* m) const {
  CallEvent e;
  e.type = type;
  e.call = c.id;
  e.channel = c.channel.channel;
  e.interface = c.channel.interface;
  if (m) {
    e.progress = q931::read_progress(*m);
    e.inband = is_inband(e.progress);
    e.display = q931::read_display(*m, variant_);
    if (type != CallEventType::kIncomingSetup) e.passed_through = q931::read_passed_through(*m);
  }
  return e;
}

void Q931CallControl::emit(CallEvent e, std::optional<CallSetup> setup) {
  events_.push_back(PendingEvent{std::move(e), std::move(setup)});
}

std::optional<CallInfo> Q931CallControl::call(CallId id) const {
  const Call* c = find(id);
  if (!c) return std::nullopt;
  return CallInfo{c->id, state(*c), c->outgoing, c->cr, c->channel.channel, c->channel.interface, c->t309 != 0};
}

std::vector<CallInfo> Q931CallControl::calls() const {
  std::vector<CallInfo> out;
  out.reserve(calls_.size());
  for (const auto& [id, c] : calls_) out.push_back(CallInfo{c.id, state(c), c.outgoing, c.cr, c.channel.channel, c.channel.interface, c.t309 != 0});
  return out;
}

// ---------------------------------------------------------------------------
// Logs

std::string Q931CallControl::describe(const Call& c) const {
  std::string s = "call " + std::to_string(c.id) + " (" + (c.outgoing ? "outgoing" : "incoming") + ", cref " +
                  std::to_string(c.cr);
  if (c.channel) s += ", " + channel_text(c.channel);
  s += ", " + std::string(call_state_name(cfg_.side, state(c))) + ")";
  return s;
}

void Q931CallControl::log_line(core::LogLevel level, std::string_view key, const std::string& message) {
  if (!logging(level)) return;
  std::string line = (cfg_.name.empty() ? std::string("span") : cfg_.name) + " (" +
                     std::string(side_name(cfg_.side)) + " side, " + std::string(variant_.name) + "): " + message;
  if (key.empty()) {
    log_->write(level, "q931", line);
  } else {
    limiter_.write(*log_, level, "q931", key, line, loop_.now());
  }
}

}  // namespace sipnic::pri
