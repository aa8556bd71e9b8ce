// The global call reference procedures of Q931CallControl: RESTART and
// RESTART ACKNOWLEDGE (Q.931 §5.5), and the North American SERVICE /
// SERVICE ACKNOWLEDGE B-channel maintenance (NI-2, 4ESS, 5ESS; the
// variant's protocol discriminator, switch_variant.h).
#include <algorithm>

#include "pri/q931_call_control.h"
#include "pri/q931_call_setup.h"

namespace sipnic::pri {

using q931::MessageType;

namespace {

std::string channel_text(std::optional<std::uint8_t> channel) {
  return channel ? "channel " + std::to_string(*channel) : std::string("the interface");
}

}  // namespace

void Q931CallControl::on_global(const q931::DecodedMessage& d) {
  switch (d.message.type) {
    case MessageType::kRestart:
      on_restart(d);
      return;
    case MessageType::kRestartAcknowledge:
      on_restart_acknowledge(d);
      return;
    case MessageType::kService:
      on_service(d);
      return;
    case MessageType::kServiceAcknowledge:
      on_service_acknowledge(d);
      return;
    case MessageType::kStatus:
      return;  // a STATUS on the global call reference answers one of ours
    default:
      // The codec only lets through messages that may use the global call
      // reference; STATUS ENQUIRY on it is answered for the interface (REST 0).
      if (d.message.type == MessageType::kStatusEnquiry)
        send_status({2, 0, !d.message.call_reference.flag}, 0, Cause::kResponseToStatusEnquiry);
      return;
  }
}

// The channels a channel identification names on this interface (an empty
// list for an IE without channels: the whole interface).
std::vector<std::uint8_t> Q931CallControl::channels_named(const q931::ChannelIdentification& id) const {
  std::vector<std::uint8_t> out;
  for (std::uint8_t ch : id.channels)
    if (is_channel_number(cfg_.line, ch)) out.push_back(ch);
  return out;
}

void Q931CallControl::clear_channel_calls(std::uint8_t channel, Cause cause) {
  const CallId occupant = channels_.occupant(channel);
  if (Call* c = find(occupant)) clear_internally(*c, cause);
}

void Q931CallControl::on_restart(const q931::DecodedMessage& d) {
  const q931::Message& m = d.message;
  ++counters_.restarts_in;
  if (d.answer == q931::Answer::kStatus) {
    send_status({2, 0, !m.call_reference.flag}, 0, d.cause.value_or(Cause::kInvalidIeContents), d.diagnostic);
    return;
  }
  q931::RestartClass klass = q931::RestartClass::kIndicatedChannels;
  if (const auto* e = m.find(q931::ie::kRestartIndicator))
    if (auto r = q931::decode_restart_indicator(e->contents)) klass = r->restart_class;
  const auto id = q931::read_channel(m, variant_, cfg_.line);
  std::vector<std::uint8_t> named;
  if (klass == q931::RestartClass::kIndicatedChannels) {
    if (!id || (named = channels_named(*id)).empty()) {
      // §5.5.2: a RESTART of indicated channels that names none here.
      send_status({2, 0, !m.call_reference.flag}, 0, Cause::kIdentifiedChannelDoesNotExist);
      return;
    }
    if (id->interface_id && *id->interface_id != 0) {
      send_status({2, 0, !m.call_reference.flag}, 0, Cause::kIdentifiedChannelDoesNotExist);
      return;
    }
  } else {
    named = channels_.channels();
  }
  for (std::uint8_t ch : named) {
    clear_channel_calls(ch, Cause::kTemporaryFailure);
    // Both ends agree the channel is idle now; one this side restarts
    // itself stays restarting until its own acknowledgement.
    channels_.set_out_of_service(ch, false);
  }
  log_line(core::LogLevel::kInfo, "",
           "the far end restarted " +
               (klass == q931::RestartClass::kIndicatedChannels
                    ? (named.size() == 1 ? "channel " + std::to_string(named.front())
                                         : std::to_string(named.size()) + " channels")
                    : std::string("the interface")));
  q931::Message ack = global_message(MessageType::kRestartAcknowledge, !m.call_reference.flag);
  if (const auto* e = m.find(q931::ie::kChannelIdentification)) ack.add(*e);
  ack.add(q931::to_ie(q931::RestartIndicatorIe{klass}));
  send(ack);
}

void Q931CallControl::on_restart_acknowledge(const q931::DecodedMessage& d) {
  if (restarts_.empty() || restarts_.front().sent == 0) return;  // not ours (or late): nothing to do
  Restart& r = restarts_.front();
  const q931::Message& m = d.message;
  q931::RestartClass klass = q931::RestartClass::kIndicatedChannels;
  if (const auto* e = m.find(q931::ie::kRestartIndicator))
    if (auto ri = q931::decode_restart_indicator(e->contents)) klass = ri->restart_class;
  bool matches = false;
  if (r.channel) {
    const auto id = q931::read_channel(m, variant_, cfg_.line);
    matches = klass == q931::RestartClass::kIndicatedChannels && id &&
              std::find(id->channels.begin(), id->channels.end(), *r.channel) != id->channels.end();
  } else {
    matches = klass != q931::RestartClass::kIndicatedChannels;
  }
  if (!matches) {
    log_line(core::LogLevel::kDebug, "restart", "a RESTART ACKNOWLEDGE that does not answer the RESTART out: ignored");
    return;
  }
  if (r.t316) loop_.cancel_timer(r.t316);
  const std::optional<std::uint8_t> restarted = r.channel;
  restarts_.pop_front();
  const std::vector<std::uint8_t> done = restarted ? std::vector<std::uint8_t>{*restarted} : channels_.channels();
  for (std::uint8_t ch : done) {
    channels_.set_restarting(ch, restart_queued_for(ch));
    channels_.set_out_of_service(ch, false);
  }
  log_line(core::LogLevel::kInfo, "", channel_text(restarted) + " restarted");
  send_next_restart();
}

bool Q931CallControl::restart(std::optional<std::uint8_t> channel) {
  Turn turn(*this);
  if (channel && !is_channel_number(cfg_.line, *channel)) return false;
  const std::vector<std::uint8_t> named = channel ? std::vector<std::uint8_t>{*channel} : channels_.channels();
  for (std::uint8_t ch : named) {
    clear_channel_calls(ch, Cause::kTemporaryFailure);
    channels_.set_restarting(ch, true);
  }
  restarts_.push_back(Restart{channel, 0, 0});
  if (restarts_.size() == 1) send_next_restart();
  return true;
}

// Whether a RESTART still queued names `channel` (itself or its interface).
bool Q931CallControl::restart_queued_for(std::uint8_t channel) const {
  return std::any_of(restarts_.begin(), restarts_.end(),
                     [channel](const Restart& r) { return !r.channel || *r.channel == channel; });
}

void Q931CallControl::send_next_restart() {
  if (restarts_.empty() || !link_up_) return;  // sent when the link comes up
  send_restart(restarts_.front());
}

void Q931CallControl::send_restart(Restart& r) {
  q931::Message m = global_message(MessageType::kRestart, false);
  if (r.channel) {
    m.add(channel_ie(*r.channel, true));
    m.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kIndicatedChannels}));
  } else {
    m.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kSingleInterface}));
  }
  ++r.sent;
  ++counters_.restarts_out;
  send(m);
  if (r.t316) loop_.cancel_timer(r.t316);
  r.t316 = cfg_.timers.t316_ms ? loop_.add_timer(core::Millis(cfg_.timers.t316_ms), [this] { on_t316(); }) : 0;
}

void Q931CallControl::on_t316() {
  Turn turn(*this);
  if (restarts_.empty()) return;
  Restart& r = restarts_.front();
  r.t316 = 0;
  ++counters_.timer_expiries;
  if (!link_up_) {
    r.sent = 0;  // sent again, from the start, when the link is back
    return;
  }
  if (r.sent < cfg_.n316) {
    send_restart(r);
    return;
  }
  ++counters_.restart_failures;
  const std::optional<std::uint8_t> failed_channel = r.channel;
  const unsigned sent = r.sent;
  restarts_.pop_front();
  const std::vector<std::uint8_t> failed =
      failed_channel ? std::vector<std::uint8_t>{*failed_channel} : channels_.channels();
  for (std::uint8_t ch : failed) {
    channels_.set_restarting(ch, restart_queued_for(ch));
    channels_.set_out_of_service(ch, true);
  }
  log_line(core::LogLevel::kWarn, "restart-failed",
           "the RESTART of " + channel_text(failed_channel) + " was not acknowledged (" + std::to_string(sent) +
               " sent): out of service");
  send_next_restart();
}

void Q931CallControl::on_service(const q931::DecodedMessage& d) {
  const q931::Message& m = d.message;
  ++counters_.services_in;
  if (d.answer == q931::Answer::kStatus) {
    send_status({2, 0, !m.call_reference.flag}, 0, d.cause.value_or(Cause::kInvalidIeContents), d.diagnostic);
    return;
  }
  q931::ChangeStatusIe change;
  if (const auto* e = m.find(q931::ie::kChangeStatus))
    if (auto cs = q931::decode_change_status(e->contents)) change = *cs;
  const auto id = q931::read_channel(m, variant_, cfg_.line);
  std::vector<std::uint8_t> named;
  if (id) named = channels_named(*id);
  if (!change.channel || named.empty()) named = channels_.channels();  // the interface
  const bool out = change.status != q931::ServiceStatus::kInService;
  for (std::uint8_t ch : named) channels_.set_remote_maintenance(ch, out);
  log_line(core::LogLevel::kInfo, "",
           std::string("the far end put ") +
               (named.size() == 1 ? "channel " + std::to_string(named.front()) : std::to_string(named.size()) + " channels") +
               (out ? " out of service" : " in service") + " (SERVICE)");
  q931::Message ack = global_message(MessageType::kServiceAcknowledge, !m.call_reference.flag);
  ack.add(q931::to_ie(change));
  if (const auto* e = m.find(q931::ie::kChannelIdentification)) ack.add(*e);
  send(ack);
}

void Q931CallControl::on_service_acknowledge(const q931::DecodedMessage& d) {
  // The maintenance state was set when the SERVICE went out; the
  // acknowledgement confirms it.
  log_line(core::LogLevel::kDebug, "", "SERVICE acknowledged");
  (void)d;
}

bool Q931CallControl::service(std::uint8_t channel, bool in_service) {
  Turn turn(*this);
  if (!variant_.maintenance || !channels_.in_service(channel)) return false;
  channels_.set_local_maintenance(channel, !in_service);
  q931::Message m = global_message(MessageType::kService, false);
  m.add(q931::to_ie(q931::ChangeStatusIe{true, in_service ? q931::ServiceStatus::kInService
                                                          : q931::ServiceStatus::kOutOfService}));
  m.add(channel_ie(channel, true));
  ++counters_.services_out;
  send(m);
  return true;
}

}  // namespace sipnic::pri
