#include "pri/span.h"

#include <algorithm>
#include <stdexcept>

#include "pri/nfas_group.h"
#include "pri/switch_variant.h"

namespace sipnic::pri {

Q921Config q921_config_of(const core::SpanConfig& s) {
  Q921Config c;
  c.side = s.side;
  c.k = static_cast<std::uint8_t>(s.q921.k);
  c.t200 = core::Millis(s.q921.t200_ms);
  c.t203 = core::Millis(s.q921.t203_ms);
  c.n200 = static_cast<std::uint8_t>(s.q921.n200);
  // Room for a full window and as much again waiting behind it.
  c.max_queued = std::max<std::size_t>(c.max_queued, 2u * c.k);
  c.name = s.name;
  return c;
}

Q931Config q931_config_of(const core::SpanConfig& s) {
  Q931Config c;
  c.side = s.side;
  c.variant = variant_of(s.switch_variant, s.type);
  c.line = s.type;
  c.timers = s.q931;
  c.name = s.name;
  return c;
}

namespace {
constexpr core::Millis kPublishInterval{1000};
}  // namespace

Span::Span(core::EventLoop& loop, core::SpanConfig config, Callbacks callbacks, core::Log* log,
           TdmDatapath* datapath, NfasGroup* group)
    : loop_(loop),
      cfg_(std::move(config)),
      cb_(std::move(callbacks)),
      log_(log),
      pool_(cfg_.type, cfg_.channels, cfg_.hunting),
      datapath_(datapath),
      nfas_(group) {}

Span::Span(core::EventLoop& loop, core::SpanConfig config, Callbacks callbacks, core::Log* log,
           core::MetricsRegistry* registry, std::uint32_t slot, TdmDatapath* datapath)
    : Span(loop, std::move(config), std::move(callbacks), log, datapath, nullptr) {
  make_link([this](const DlIndication& ind) {
    q931_->dl_indication(ind);
    if (q931_->link_up() != dchannel_up_) {
      dchannel_up_ = q931_->link_up();
      publish_metrics();
      if (cb_.on_dchannel) cb_.on_dchannel(dchannel_up_);
    }
  });
  Q931CallControl::Callbacks l3;
  l3.send = [this](std::span<const std::uint8_t> message) { return link_->data_request(message); };
  l3.on_event = [this](const CallEvent& e) {
    if (cb_.on_event) cb_.on_event(e);
  };
  q931_ = std::make_unique<Q931CallControl>(loop_, q931_config_of(cfg_), pool_, l3, log_);
  calls_ = q931_.get();
  make_backend(registry, slot);
}

Span::Span(core::EventLoop& loop, core::SpanConfig config, NfasGroup& group, Callbacks callbacks, core::Log* log,
           core::MetricsRegistry* registry, std::uint32_t slot, TdmDatapath* datapath)
    : Span(loop, std::move(config), std::move(callbacks), log, datapath, &group) {
  if (cfg_.d_channel != core::DChannelRole::kNone)
    make_link([this](const DlIndication& ind) { nfas_->dl_indication(*this, ind); });
  make_backend(registry, slot);
}

void Span::make_link(std::function<void(const DlIndication&)> to_layer3) {
  Q921Link::Callbacks l2;
  l2.send_frame = [this](std::span<const std::uint8_t> frame) {
    if (capture_) capture_->write(frame, DChannelCapture::Direction::kSent);
    if (frames_) frames_->send(frame);
    if (line_) line_->send_frame(frame);
  };
  l2.to_layer3 = std::move(to_layer3);
  link_ = std::make_unique<Q921Link>(loop_, q921_config_of(cfg_), l2, log_);
}

void Span::make_backend(core::MetricsRegistry* registry, std::uint32_t slot) {
  auto received = [this](std::span<const std::uint8_t> frame) {
    if (capture_) capture_->write(frame, DChannelCapture::Direction::kReceived);
    if (link_) link_->receive(frame);
  };
  auto layer1 = [this](bool up) {
    if (link_ && up) link_->layer1_up();
    if (link_ && !up) link_->layer1_down();
    // In an NFAS group the line carries this span's B-channels, whichever
    // span carries the D-channel (the frames backend's layer 1 is its
    // D-channel socket alone).
    if (nfas_ && line_) nfas_->layer1(*this, up);
  };
  if (cfg_.backend == core::SpanBackend::kFrames) {
    // A span of an NFAS group without a D-channel has no D-channel socket.
    if (link_)
      frames_ = std::make_unique<FramesDChannel>(loop_, cfg_.socket_path, cfg_.socket_role,
                                                 FramesDChannel::Callbacks{received, layer1}, log_, cfg_.name);
    if (!cfg_.b_channels_socket.empty())
      frames_b_ = std::make_unique<FramesBChannels>(loop_, cfg_, cb_.on_samples, log_);
  } else {
    LinePort::Callbacks l1{received, layer1,
                           [this](const LineAlarms& alarms) {
                             publish_metrics();
                             if (cb_.on_line) cb_.on_line(alarms);
                           },
                           cb_.on_samples};
    line_ = std::make_unique<LinePort>(loop_, cfg_, std::move(l1), log_);
  }
  if (registry) metrics_ = std::make_unique<SpanMetrics>(*registry, slot, cfg_.name, line_ != nullptr);
}

Span::~Span() {
  if (publish_timer_) loop_.cancel_timer(publish_timer_);
  if (on_datapath_) datapath_->remove(*line_);
}

void Span::publish_metrics() {
  if (metrics_) metrics_->publish(*this);
}

void Span::start() {
  // A span of an NFAS group is started by its group, which also hears its
  // D-channel.
  if (!cfg_.nfas_group.empty() && !nfas_)
    throw std::runtime_error("span " + cfg_.name + ": a span of NFAS group " + cfg_.nfas_group +
                             " runs in its pri::NfasGroup, not on its own");
  if (line_ && !datapath_)
    throw std::runtime_error("span " + cfg_.name + ": backend line needs the worker's TDM datapath");
  if (!cfg_.capture.empty()) {
    try {
      capture_ = std::make_unique<DChannelCapture>(cfg_.capture, cfg_.side);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error("span " + cfg_.name + ": " + e.what());
    }
  }
  if (link_) {
    link_->layer1_down();  // until a peer attaches (frames) or the line is in frame (line)
    link_->establish_request();
  }
  if (frames_) frames_->start();
  if (frames_b_) frames_b_->start();
  if (line_) {
    line_->start();
    datapath_->add(*line_);
    on_datapath_ = true;
  }
  if (metrics_) {
    publish_metrics();
    schedule_publish();
  }
}

void Span::schedule_publish() {
  publish_timer_ = loop_.add_timer(kPublishInterval, [this] {
    publish_timer_ = 0;
    publish_metrics();
    schedule_publish();
  });
}

}  // namespace sipnic::pri
