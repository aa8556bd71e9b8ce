// The global call reference procedures of Q931CallControl: RESTART and
// RESTART ACKNOWLEDGE (Q.931 §5.5), and the North American SERVICE /
// SERVICE ACKNOWLEDGE B-channel maintenance (NI-2, 4ESS, 5ESS; the
// variant's protocol discriminator, switch_variant.h).
#include <algorithm>

#include "pri/q931_call_control.h"
#include "pri/q931_call_setup.h"

namespace sipnic::pri {

using q931::MessageType;

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

std::optional<std::vector<ChannelRef>> Q931CallControl::channels_named(const q931::ChannelIdentification& id) const {
  const auto interface = channels_.resolve(id.interface_id);
  if (!interface) return std::nullopt;
  std::vector<ChannelRef> out;
  for (std::uint8_t ch : id.channels)
    if (is_channel_number(cfg_.line, ch)) out.push_back({*interface, ch});
  return out;
}

void Q931CallControl::clear_channel_calls(ChannelRef channel, Cause cause) {
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
  std::vector<ChannelRef> named;
  std::string what;
  if (klass == q931::RestartClass::kIndicatedChannels) {
    const auto found = id ? channels_named(*id) : std::nullopt;
    if (!found || found->empty()) {
      // §5.5.2: a RESTART of indicated channels that names none here.
      send_status({2, 0, !m.call_reference.flag}, 0, Cause::kIdentifiedChannelDoesNotExist);
      return;
    }
    named = *found;
    what = named.size() == 1 ? channel_text(named.front()) : std::to_string(named.size()) + " channels";
  } else if (klass == q931::RestartClass::kSingleInterface) {
    // The interface the channel identification names; without one, the
    // D-channel's own.
    const auto interface = channels_.resolve(id ? id->interface_id : std::nullopt);
    if (!interface) {
      send_status({2, 0, !m.call_reference.flag}, 0, Cause::kIdentifiedChannelDoesNotExist);
      return;
    }
    named = channels_.channels(*interface);
    what = channels_.named() ? "interface " + std::to_string(*interface) : "the interface";
  } else {
    named = channels_.all_channels();
    what = channels_.named() ? "every interface" : "the interface";
  }
  for (ChannelRef ch : named) {
    clear_channel_calls(ch, Cause::kTemporaryFailure);
    // Both ends agree the channel is idle now; one this side restarts
    // itself stays restarting until its own acknowledgement.
    channels_.set_out_of_service(ch, false);
  }
  log_line(core::LogLevel::kInfo, "", "the far end restarted " + what);
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
  const auto id = q931::read_channel(m, variant_, cfg_.line);
  if (r.channel) {
    const auto named = id ? channels_named(*id) : std::nullopt;
    matches = klass == q931::RestartClass::kIndicatedChannels && named &&
              std::find(named->begin(), named->end(), ChannelRef{r.interface, *r.channel}) != named->end();
  } else {
    // An interface: one the acknowledgement names (or, without an
    // identifier, the D-channel's), or all of them.
    matches = klass == q931::RestartClass::kAllInterfaces ||
              (klass == q931::RestartClass::kSingleInterface &&
               channels_.resolve(id ? id->interface_id : std::nullopt) == r.interface);
  }
  if (!matches) {
    log_line(core::LogLevel::kDebug, "restart", "a RESTART ACKNOWLEDGE that does not answer the RESTART out: ignored");
    return;
  }
  if (r.t316) loop_.cancel_timer(r.t316);
  const Restart restarted = r;
  restarts_.pop_front();
  for (ChannelRef ch : restart_channels(restarted)) {
    channels_.set_restarting(ch, restart_queued_for(ch));
    channels_.set_out_of_service(ch, false);
  }
  log_line(core::LogLevel::kInfo, "", restart_text(restarted) + " restarted");
  send_next_restart();
}

bool Q931CallControl::restart(std::optional<std::uint8_t> channel) {
  if (!channel) return restart_interface(channels_.d_channel_interface());
  return restart(ChannelRef{channels_.d_channel_interface(), *channel});
}

bool Q931CallControl::restart(ChannelRef channel) {
  if (!is_channel_number(cfg_.line, channel.channel) || !channels_.pool(channel.interface)) return false;
  Turn turn(*this);
  clear_channel_calls(channel, Cause::kTemporaryFailure);
  channels_.set_restarting(channel, true);
  restarts_.push_back(Restart{channel.interface, channel.channel, 0, 0});
  if (restarts_.size() == 1) send_next_restart();
  return true;
}

bool Q931CallControl::restart_interface(std::uint8_t interface) {
  if (!channels_.pool(interface)) return false;
  Turn turn(*this);
  for (ChannelRef ch : channels_.channels(interface)) {
    clear_channel_calls(ch, Cause::kTemporaryFailure);
    channels_.set_restarting(ch, true);
  }
  restarts_.push_back(Restart{interface, std::nullopt, 0, 0});
  if (restarts_.size() == 1) send_next_restart();
  return true;
}

// The channels a RESTART names: its channel, or its interface's.
std::vector<ChannelRef> Q931CallControl::restart_channels(const Restart& r) const {
  if (r.channel) return {ChannelRef{r.interface, *r.channel}};
  return channels_.channels(r.interface);
}

std::string Q931CallControl::restart_text(const Restart& r) const {
  if (r.channel) return channel_text(ChannelRef{r.interface, *r.channel});
  return channels_.named() ? "interface " + std::to_string(r.interface) : std::string("the interface");
}

// Whether a RESTART still queued names `channel` (itself or its interface).
bool Q931CallControl::restart_queued_for(ChannelRef channel) const {
  return std::any_of(restarts_.begin(), restarts_.end(), [channel](const Restart& r) {
    return r.interface == channel.interface && (!r.channel || *r.channel == channel.channel);
  });
}

void Q931CallControl::send_next_restart() {
  if (restarts_.empty() || !link_up_) return;  // sent when the link comes up
  send_restart(restarts_.front());
}

void Q931CallControl::send_restart(Restart& r) {
  q931::Message m = global_message(MessageType::kRestart, false);
  if (r.channel) {
    m.add(channel_ie(ChannelRef{r.interface, *r.channel}, true));
    m.add(q931::to_ie(q931::RestartIndicatorIe{q931::RestartClass::kIndicatedChannels}));
  } else {
    // NFAS: the channel identification names the interface (Q.931 §5.5.1).
    if (channels_.named()) m.add(interface_ie(r.interface));
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
  const Restart failed = r;
  restarts_.pop_front();
  for (ChannelRef ch : restart_channels(failed)) {
    channels_.set_restarting(ch, restart_queued_for(ch));
    channels_.set_out_of_service(ch, true);
  }
  log_line(core::LogLevel::kWarn, "restart-failed",
           "the RESTART of " + restart_text(failed) + " was not acknowledged (" + std::to_string(failed.sent) +
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
  const auto interface = channels_.resolve(id ? id->interface_id : std::nullopt);
  if (!interface) {
    send_status({2, 0, !m.call_reference.flag}, 0, Cause::kIdentifiedChannelDoesNotExist);
    return;
  }
  std::vector<ChannelRef> named;
  if (id) named = channels_named(*id).value_or(std::vector<ChannelRef>{});
  if (!change.channel || named.empty()) named = channels_.channels(*interface);  // the interface
  const bool out = change.status != q931::ServiceStatus::kInService;
  for (ChannelRef ch : named) channels_.set_remote_maintenance(ch, out);
  log_line(core::LogLevel::kInfo, "",
           std::string("the far end put ") +
               (named.size() == 1 ? channel_text(named.front()) : std::to_string(named.size()) + " channels") +
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
  return service(ChannelRef{channels_.d_channel_interface(), channel}, in_service);
}

bool Q931CallControl::service(ChannelRef channel, bool in_service) {
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
