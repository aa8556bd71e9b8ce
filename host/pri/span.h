// pri::Span: one configured PRI span (a [span NAME] section, core::SpanConfig)
// put together: its B-channels (BChannelPool), its D-channel's Q.921 link
// and Q.931 call control, and its backend: `frames` (FramesDChannel, the
// D-channel as frames on a socket) or `line` (LinePort, the E1/T1 line
// signal, run through the TDM kernels by the worker's TdmDatapath). With
// `capture = FILE`, every D-channel frame both ways goes to a pcap
// (DChannelCapture). Calls reach the layer above through `on_event` and the
// call control's requests (calls()); everything runs on the loop's thread.
//
// A span of an NFAS group is made by its pri::NfasGroup: it has its
// B-channels and its backend, and a Q.921 link only when it carries one of
// the group's D-channels (primary or backup); the group's one call control
// signals its B-channels, and calls() is that one.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/metrics.h"
#include "pri/b_channel_pool.h"
#include "pri/call_events.h"
#include "pri/dchannel_capture.h"
#include "pri/b_channel_samples.h"
#include "pri/frames_bchannels.h"
#include "pri/frames_dchannel.h"
#include "pri/line_port.h"
#include "pri/q921_link.h"
#include "pri/q931_call_control.h"
#include "pri/span_metrics.h"
#include "pri/tdm_datapath.h"

namespace sipnic::pri {

class NfasGroup;

// The Q.921 and Q.931 settings a span's config gives.
Q921Config q921_config_of(const core::SpanConfig& span);
Q931Config q931_config_of(const core::SpanConfig& span);

class Span {
 public:
  struct Callbacks {
    std::function<void(const CallEvent&)> on_event;
    std::function<void(bool up)> on_dchannel;  // the D-channel came up or went down (may be empty)
    std::function<void(const LineAlarms&)> on_line;  // line backend: the alarms changed (may be empty)
    // Every millisecond, the B-channels' samples (line backend, and frames
    // with a b-channels-socket); may be empty (idle code sent).
    BChannelSamples on_samples;
  };

  // `loop`, `log` and `registry` (either may be null) must outlive the span.
  // With a registry, the span's figures go to slot `slot`'s cells
  // (SpanMetrics), published once a second and when the D-channel changes.
  // A `line` span runs on `datapath` (the worker's; it must outlive the
  // span). Nothing happens until start().
  Span(core::EventLoop& loop, core::SpanConfig config, Callbacks callbacks, core::Log* log = nullptr,
       core::MetricsRegistry* registry = nullptr, std::uint32_t slot = 0, TdmDatapath* datapath = nullptr);
  // A span of `group` (NfasGroup's constructor makes them): its D-channel's
  // indications, if it has one, go to the group; `callbacks.on_event` is
  // not used (the group's call control reports the calls).
  Span(core::EventLoop& loop, core::SpanConfig config, NfasGroup& group, Callbacks callbacks, core::Log* log,
       core::MetricsRegistry* registry, std::uint32_t slot, TdmDatapath* datapath);
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  // Starts the backend and asks for the D-channel. Throws std::runtime_error
  // (naming the span) when the backend cannot start (a line span without a
  // datapath among the reasons).
  void start();

  const core::SpanConfig& config() const { return cfg_; }
  const std::string& name() const { return cfg_.name; }
  // The call control signalling this span's B-channels: its own, or its
  // NFAS group's.
  Q931CallControl& calls() { return *calls_; }
  const Q931CallControl& calls() const { return *calls_; }
  NfasGroup* nfas() const { return nfas_; }
  BChannelPool& channels() { return pool_; }
  const BChannelPool& channels() const { return pool_; }
  // A span of an NFAS group with `d-channel = none` has no link.
  bool has_link() const { return link_ != nullptr; }
  Q921Link& link() { return *link_; }
  const Q921Link& link() const { return *link_; }
  const FramesDChannel* frames() const { return frames_.get(); }
  const LinePort* line() const { return line_.get(); }
  const FramesBChannels* frames_b_channels() const { return frames_b_.get(); }
  LinePort* line() { return line_.get(); }
  const DChannelCapture* capture() const { return capture_.get(); }
  // Copies the figures into the registry now (no-op without one).
  void publish_metrics();

 private:
  friend class NfasGroup;  // sets calls_ once its call control exists

  // What both public constructors share: the members, no link or backend.
  Span(core::EventLoop& loop, core::SpanConfig config, Callbacks callbacks, core::Log* log, TdmDatapath* datapath,
       NfasGroup* group);

  void make_link(std::function<void(const DlIndication&)> to_layer3);
  void make_backend(core::MetricsRegistry* registry, std::uint32_t slot);
  void schedule_publish();

  core::EventLoop& loop_;
  const core::SpanConfig cfg_;
  const Callbacks cb_;
  core::Log* log_;
  BChannelPool pool_;
  std::unique_ptr<FramesDChannel> frames_;  // backend frames
  std::unique_ptr<FramesBChannels> frames_b_;  // backend frames with a b-channels-socket
  std::unique_ptr<LinePort> line_;          // backend line
  TdmDatapath* datapath_;
  bool on_datapath_ = false;
  std::unique_ptr<DChannelCapture> capture_;  // null without `capture`
  std::unique_ptr<Q921Link> link_;
  std::unique_ptr<Q931CallControl> q931_;  // null in an NFAS group
  NfasGroup* nfas_ = nullptr;
  Q931CallControl* calls_ = nullptr;  // q931_, or the NFAS group's
  std::unique_ptr<SpanMetrics> metrics_;  // null without a registry
  core::EventLoop::TimerId publish_timer_ = 0;
  bool dchannel_up_ = false;  // as last told to on_dchannel
};

}  // namespace sipnic::pri
