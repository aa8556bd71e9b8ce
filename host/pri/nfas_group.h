// pri::NfasGroup: an NFAS group (T1, `nfas-group` in the config) put
// together: every span of the group (pri::Span, each with its B-channels and
// backend), the Q.921 links of the spans that carry the primary and the
// backup D-channel, and one Q.931 call control over all the spans'
// B-channels (ChannelInterfaces: each span by its `nfas-interface`).
//
// Both D-channels are brought up, as libpri and the switches do. Q.931 goes
// out on the active one: the primary's while its link is up, else the
// backup's. It is taken in from either; a channel identification without an
// interface identifier then means the interface of the D-channel it came on.
// A switch from one D-channel to the other keeps every call (the call
// control does not hear of it; the interface of "no identifier" moves with
// it), and the messages the failed link had not had acknowledged go out
// again on the other, so that none is lost in the time it took to find the
// failure. Only when both links are down does the call control hear the link go
// down (active calls kept for T309, the others cleared, as for a span of its
// own), and when one comes back, up again. A member's line going out of
// frame (`line` backend) takes its B-channels with it, whichever span
// signals: they are not hunted, and its calls are cleared or kept for T309
// as for a link that went down, but over the D-channel that is left.
//
// The group belongs to one worker's loop, like a span. The calls' events and
// the D-channel's up/down are the group's (`callbacks`: on_event,
// on_dchannel); a span's line alarms and B-channel samples are the span's
// (`span_callbacks`: on_line, on_samples).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/metrics.h"
#include "pri/channel_interfaces.h"
#include "pri/q931_call_control.h"
#include "pri/span.h"

namespace sipnic::pri {

class NfasGroup {
 public:
  // `spans`: every span config of one NFAS group (as core::Config checked
  // it: one primary, at most one backup, interface identifiers unique), in
  // the order hunting goes through them. Each span's figures go to the
  // registry's slot `slot`, like a Span's. Throws std::invalid_argument for
  // spans that are not one well-formed group.
  using SpanCallbacks = std::function<Span::Callbacks(const core::SpanConfig&)>;
  NfasGroup(core::EventLoop& loop, std::vector<core::SpanConfig> spans, Span::Callbacks callbacks,
            SpanCallbacks span_callbacks = {}, core::Log* log = nullptr, core::MetricsRegistry* registry = nullptr,
            std::uint32_t slot = 0, TdmDatapath* datapath = nullptr);
  ~NfasGroup();
  NfasGroup(const NfasGroup&) = delete;
  NfasGroup& operator=(const NfasGroup&) = delete;

  // Starts every span and asks for both D-channels; throws what Span::start
  // throws.
  void start();

  const std::string& name() const { return name_; }
  Q931CallControl& calls() { return *calls_; }
  const Q931CallControl& calls() const { return *calls_; }
  const ChannelInterfaces& interfaces() const { return interfaces_; }
  const std::vector<std::unique_ptr<Span>>& spans() const { return spans_; }
  Span& primary() { return *primary_; }
  const Span& primary() const { return *primary_; }
  Span* backup() { return backup_; }
  const Span* backup() const { return backup_; }
  // The span whose D-channel Q.931 goes out on; null while both are down.
  const Span* active() const { return active_; }
  // Switches from one D-channel to the other (not counting both going down).
  std::uint64_t switchovers() const { return switchovers_; }
  // Called whenever active() changes (a switchover, both down, one back),
  // after the group has logged it; may be empty.
  void set_on_active_changed(std::function<void(const Span* active)> callback) {
    on_active_changed_ = std::move(callback);
  }

  // From a member span's Q.921 link (Span calls it).
  void dl_indication(Span& from, const DlIndication& indication);
  // From a member span's line (the `line` backend; Span calls it once its
  // D-channel, if any, has heard): in frame or not. Its B-channels go with
  // it (Q931CallControl::interface_layer1).
  void layer1(Span& from, bool up);

 private:
  std::vector<std::unique_ptr<Span>> make_spans(std::vector<core::SpanConfig> spans, const SpanCallbacks& span_callbacks,
                                                core::MetricsRegistry* registry, std::uint32_t slot,
                                                TdmDatapath* datapath);
  static std::vector<ChannelInterfaces::Interface> interfaces_of(const std::vector<std::unique_ptr<Span>>& spans);
  void choose_active();
  void make_active(const Span* next);  // and logs it
  void resend_discarded(Span& from);
  bool send(std::span<const std::uint8_t> message);
  void log_line(core::LogLevel level, const std::string& message);

  core::EventLoop& loop_;
  const std::string name_;
  const Span::Callbacks cb_;
  core::Log* log_;
  // Set by make_spans(), hence before spans_.
  Span* primary_ = nullptr;
  Span* backup_ = nullptr;
  std::vector<std::unique_ptr<Span>> spans_;
  ChannelInterfaces interfaces_;
  std::unique_ptr<Q931CallControl> calls_;
  bool primary_up_ = false, backup_up_ = false;  // as their links last said
  const Span* active_ = nullptr;
  std::uint64_t switchovers_ = 0;
  std::function<void(const Span*)> on_active_changed_;
};

}  // namespace sipnic::pri
