#include "pri/span_metrics.h"

#include "pri/nfas_group.h"
#include "pri/span.h"

namespace sipnic::pri {

SpanMetrics::SpanMetrics(core::MetricsRegistry& registry, std::uint32_t slot, const std::string& span, bool line)
    : line_(line) {
  using core::MetricType;
  const core::MetricLabels l{{"span", span}};
  auto with = [&span](std::string_view key, std::string_view value) {
    return core::MetricLabels{{"span", span}, {std::string(key), std::string(value)}};
  };
  auto counter = [&](std::string_view name, std::string_view help, const core::MetricLabels& labels) {
    return Published{registry.counter({std::string(name), std::string(help), MetricType::kCounter}, labels, slot)};
  };
  up_ = registry.gauge({std::string(metric::kSpanDChannelUp), "1 while the span's D-channel (Q.921 link) is up",
                        MetricType::kGauge},
                       l, slot);
  active_ = registry.gauge({std::string(metric::kSpanDChannelActive),
                            "1 while the span's D-channel carries Q.931 (in an NFAS group: the group's active one)",
                            MetricType::kGauge},
                           l, slot);
  for (std::size_t s = 0; s < channels_.size(); ++s)
    channels_[s] = registry.gauge({std::string(metric::kSpanBChannels), "the span's B-channels in each state now",
                                   MetricType::kGauge},
                                  with("state", b_channel_state_name(static_cast<BChannelState>(s))), slot);
  const std::string_view calls_help = "calls on the span, by direction (in: SETUP received, out: SETUP sent)";
  calls_in_ = counter(metric::kSpanCalls, calls_help, with("direction", "in"));
  calls_out_ = counter(metric::kSpanCalls, calls_help, with("direction", "out"));
  refused_ = counter(metric::kSpanCallsRefused,
                     "incoming SETUPs refused (no channel, channel busy or unknown, bearer not supported)", l);
  answered_ = counter(metric::kSpanCallsAnswered, "calls on the span that became active", l);
  const std::string_view messages_help = "Q.931 messages, by direction";
  messages_in_ = counter(metric::kSpanQ931Messages, messages_help, with("direction", "in"));
  messages_out_ = counter(metric::kSpanQ931Messages, messages_help, with("direction", "out"));
  const std::string_view errors_help =
      "Q.931 messages answered or dropped by the error procedures of Q.931 5.8, by kind";
  ignored_ = counter(metric::kSpanQ931Errors, errors_help, with("kind", "ignored"));
  protocol_errors_ = counter(metric::kSpanQ931Errors, errors_help, with("kind", "protocol_error"));
  unknown_reference_ = counter(metric::kSpanQ931Errors, errors_help, with("kind", "unknown_call_reference"));
  out_of_state_ = counter(metric::kSpanQ931Errors, errors_help, with("kind", "out_of_state"));
  const std::string_view frames_help = "Q.921 frames on the D-channel, by direction";
  frames_in_ = counter(metric::kSpanQ921Frames, frames_help, with("direction", "in"));
  frames_out_ = counter(metric::kSpanQ921Frames, frames_help, with("direction", "out"));
  losses_ = counter(metric::kSpanDChannelLosses, "times the span's D-channel went down", l);
  bad_fcs_ = counter(metric::kSpanBadFcs, "D-channel frames dropped for a bad FCS (or too short or long)", l);
  const std::string_view restarts_help = "RESTART messages, by direction";
  restarts_in_ = counter(metric::kSpanRestarts, restarts_help, with("direction", "in"));
  restarts_out_ = counter(metric::kSpanRestarts, restarts_help, with("direction", "out"));
  if (!line_) return;
  for (std::size_t a = 0; a < alarms_.size(); ++a)
    alarms_[a] = registry.gauge({std::string(metric::kSpanLineAlarm),
                                 "1 while the span's line has this alarm (los, lof: red; ais: blue; rai: yellow)",
                                 MetricType::kGauge},
                                with("alarm", metric::kLineAlarmNames[a]), slot);
  for (std::size_t k = 0; k < line_errors_.size(); ++k)
    line_errors_[k] = counter(metric::kSpanLineErrors,
                              "line errors: CRC-4/CRC-6 blocks, far-end block errors (E-bits), framing words, "
                              "alignment losses, slips of the elastic store",
                              with("kind", metric::kLineErrorKinds[k]));
}

void SpanMetrics::publish(const Span& span) {
  up_.set(span.calls().link_up() ? 1 : 0);
  active_.set(span.nfas() ? span.nfas()->active() == &span : span.calls().link_up());
  for (std::size_t s = 0; s < channels_.size(); ++s)
    channels_[s].set(static_cast<std::int64_t>(span.channels().count(static_cast<BChannelState>(s))));
  // An NFAS group's one call control: its figures on the primary's span
  // only, so that a sum over spans counts them once.
  static const Q931Counters kNone{};
  const bool own_calls = !span.nfas() || span.config().d_channel == core::DChannelRole::kPrimary;
  const Q931Counters& q = own_calls ? span.calls().counters() : kNone;
  calls_in_.set(q.calls_in);
  calls_out_.set(q.calls_out);
  refused_.set(q.calls_refused);
  answered_.set(q.calls_answered);
  messages_in_.set(q.messages_in);
  messages_out_.set(q.messages_out);
  ignored_.set(q.ignored);
  protocol_errors_.set(q.protocol_errors);
  unknown_reference_.set(q.unknown_call_reference);
  out_of_state_.set(q.out_of_state);
  if (span.has_link()) {  // not on an NFAS span without a D-channel
    std::uint64_t in = 0, out = 0;
    const Q921Counters& l = span.link().counters();
    for (auto n : l.frames_in) in += n;
    for (auto n : l.frames_out) out += n;
    frames_in_.set(in);
    frames_out_.set(out);
    losses_.set(l.releases);
  }
  if (const FramesDChannel* f = span.frames()) {
    const auto& fc = f->counters();
    bad_fcs_.set(fc.bad_fcs + fc.short_frames + fc.long_frames);
  }
  restarts_in_.set(q.restarts_in);
  restarts_out_.set(q.restarts_out);
  const LinePort* port = span.line();
  if (!line_ || !port) return;
  const LineAlarms& a = port->alarms();
  const bool on[] = {a.loss_of_signal, a.loss_of_frame, a.alarm_indication, a.remote_alarm};
  for (std::size_t i = 0; i < alarms_.size(); ++i) alarms_[i].set(on[i] ? 1 : 0);
  const LinePortCounters& c = port->counters();
  const std::uint64_t errors[] = {c.crc_errors, c.far_end_block_errors, c.framing_errors, c.alignment_losses, c.slips};
  for (std::size_t i = 0; i < line_errors_.size(); ++i) line_errors_[i].set(errors[i]);
  bad_fcs_.set(c.dchannel_errors);
}

}  // namespace sipnic::pri
