#include "pri/nfas_group.h"

#include <stdexcept>
#include <utility>

namespace sipnic::pri {

namespace {
std::uint8_t interface_of(const Span& span) { return static_cast<std::uint8_t>(span.config().nfas_interface); }
}  // namespace

NfasGroup::NfasGroup(core::EventLoop& loop, std::vector<core::SpanConfig> spans, Span::Callbacks callbacks,
                     SpanCallbacks span_callbacks, core::Log* log, core::MetricsRegistry* registry,
                     std::uint32_t slot, TdmDatapath* datapath)
    : loop_(loop),
      name_(spans.empty() ? std::string() : spans.front().nfas_group),
      cb_(std::move(callbacks)),
      log_(log),
      spans_(make_spans(std::move(spans), span_callbacks, registry, slot, datapath)),
      interfaces_(interfaces_of(spans_)) {
  Q931CallControl::Callbacks l3;
  l3.send = [this](std::span<const std::uint8_t> message) { return send(message); };
  l3.on_event = [this](const CallEvent& e) {
    if (cb_.on_event) cb_.on_event(e);
  };
  // The group's Q.931 speaks for the primary's span: its side, switch and
  // timers (the config holds the spans of a group to one side and switch).
  Q931Config q931 = q931_config_of(primary_->config());
  q931.name = "NFAS group " + name_;
  calls_ = std::make_unique<Q931CallControl>(loop_, std::move(q931), interfaces_, l3, log_);
  for (auto& span : spans_) span->calls_ = calls_.get();
}

NfasGroup::~NfasGroup() = default;

std::vector<std::unique_ptr<Span>> NfasGroup::make_spans(std::vector<core::SpanConfig> configs,
                                                         const SpanCallbacks& span_callbacks,
                                                         core::MetricsRegistry* registry, std::uint32_t slot,
                                                         TdmDatapath* datapath) {
  if (configs.empty()) throw std::invalid_argument("an NFAS group needs at least one span");
  const std::string group = configs.front().nfas_group;
  std::vector<std::unique_ptr<Span>> spans;
  for (auto& cfg : configs) {
    if (cfg.nfas_group != group) throw std::invalid_argument("span " + cfg.name + " is not of NFAS group " + group);
    Span::Callbacks cb = span_callbacks ? span_callbacks(cfg) : Span::Callbacks{};
    cb.on_event = nullptr;
    cb.on_dchannel = nullptr;
    spans.push_back(std::make_unique<Span>(loop_, std::move(cfg), *this, std::move(cb), log_, registry, slot, datapath));
    Span* span = spans.back().get();
    Span** role = span->config().d_channel == core::DChannelRole::kPrimary  ? &primary_
                  : span->config().d_channel == core::DChannelRole::kBackup ? &backup_
                                                                             : nullptr;
    if (!role) continue;
    if (*role)
      throw std::invalid_argument("NFAS group " + span->config().nfas_group + ": a second " +
                                  std::string(core::d_channel_role_name(span->config().d_channel)) +
                                  " D-channel, on span " + span->name());
    *role = span;
  }
  if (!primary_) throw std::invalid_argument("NFAS group " + group + " has no primary D-channel");
  return spans;
}

std::vector<ChannelInterfaces::Interface> NfasGroup::interfaces_of(const std::vector<std::unique_ptr<Span>>& spans) {
  std::vector<ChannelInterfaces::Interface> out;
  for (const auto& span : spans)
    out.push_back({interface_of(*span), &span->channels()});
  return out;  // ChannelInterfaces refuses repeated or out-of-range identifiers
}

void NfasGroup::start() {
  for (auto& span : spans_) span->start();
}

void NfasGroup::dl_indication(Span& from, const DlIndication& ind) {
  bool& up = &from == primary_ ? primary_up_ : backup_up_;
  switch (ind.primitive) {
    case DlPrimitive::kEstablishIndication:
    case DlPrimitive::kEstablishConfirm:
    case DlPrimitive::kDataIndication:  // a message came: the link is up whatever was said before
      up = true;
      break;
    case DlPrimitive::kReleaseIndication:
    case DlPrimitive::kReleaseConfirm:
      up = false;
      break;
  }
  const bool was_up = active_ != nullptr;
  choose_active();
  if (ind.primitive == DlPrimitive::kDataIndication) {
    if (!was_up) calls_->dl_indication(DlIndication{DlPrimitive::kEstablishIndication});
    // No interface identifier means the interface of the D-channel the
    // message came on, which need not be the active one.
    interfaces_.set_d_channel_interface(interface_of(from));
    calls_->dl_indication(ind);
    interfaces_.set_d_channel_interface(interface_of(*active_));
  } else if (was_up != (active_ != nullptr)) {
    // The group's signalling as a whole came up or went down.
    calls_->dl_indication(ind);
  }
  if (!up && active_ && active_ != &from) resend_discarded(from);
  if (was_up != (active_ != nullptr) && cb_.on_dchannel) cb_.on_dchannel(active_ != nullptr);
}

void NfasGroup::resend_discarded(Span& from) {
  // What the failed link never had acknowledged: the far end has not seen
  // it (or, in the last instant, has and will take the repeat as the
  // duplicate it is), and the far end is listening on the other D-channel.
  const auto messages = from.link().take_discarded();
  if (messages.empty()) return;
  std::size_t sent = 0;
  for (const auto& m : messages) sent += send(m) ? 1 : 0;
  log_line(core::LogLevel::kInfo, "NFAS group " + name_ + ": " + std::to_string(sent) + " of " +
                                      std::to_string(messages.size()) + " message(s) unacknowledged on span " +
                                      from.name() + " sent again on span " + active_->name());
}

void NfasGroup::layer1(Span& from, bool up) { calls_->interface_layer1(interface_of(from), up); }

void NfasGroup::choose_active() {
  const Span* next = primary_up_ ? primary_ : backup_up_ ? backup_ : nullptr;
  if (next == active_) return;
  make_active(next);
  if (on_active_changed_) on_active_changed_(active_);
}

void NfasGroup::make_active(const Span* next) {
  const Span* before = active_;
  active_ = next;
  if (!next) {
    log_line(core::LogLevel::kWarn, "NFAS group " + name_ + ": both D-channels down (span " + primary_->name() +
                                        (backup_ ? " and span " + backup_->name() : std::string()) + ")");
    return;
  }
  interfaces_.set_d_channel_interface(interface_of(*next));
  if (before) {
    ++switchovers_;
    // To the backup is a failure to look at; back to the primary is the
    // group returning to normal (or the primary's link coming up second).
    log_line(next == primary_ ? core::LogLevel::kInfo : core::LogLevel::kWarn, "NFAS group " + name_ + ": D-channel switched from span " + before->name() +
                                        " to span " + next->name() + " (" +
                                        std::string(core::d_channel_role_name(next->config().d_channel)) +
                                        "); calls kept");
  } else {
    log_line(core::LogLevel::kInfo, "NFAS group " + name_ + ": signalling on span " + next->name() + " (" +
                                        std::string(core::d_channel_role_name(next->config().d_channel)) +
                                        " D-channel)");
  }
}

bool NfasGroup::send(std::span<const std::uint8_t> message) {
  if (!active_) return false;
  Span* span = active_ == primary_ ? primary_ : backup_;
  return span->link().data_request(message);
}

void NfasGroup::log_line(core::LogLevel level, const std::string& message) {
  if (log_ && log_->enabled(level)) log_->write(level, "span", message);
}

}  // namespace sipnic::pri
