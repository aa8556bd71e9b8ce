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
// it). Only when both links are down does the call control hear the link go
// down (active calls kept for T309, the others cleared, as for a span of its
// own), and when one comes back, up again.
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

  // From a member span's Q.921 link (Span calls it).
  void dl_indication(Span& from, const DlIndication& indication);

 private:
  std::vector<std::unique_ptr<Span>> make_spans(std::vector<core::SpanConfig> spans, const SpanCallbacks& span_callbacks,
                                                core::MetricsRegistry* registry, std::uint32_t slot,
                                                TdmDatapath* datapath);
  static std::vector<ChannelInterfaces::Interface> interfaces_of(const std::vector<std::unique_ptr<Span>>& spans);
  void choose_active();
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
};

}  // namespace sipnic::pri
