// pri::SpanMetrics: one span's figures in the node's metrics registry
// (core/metrics.h), in the cells of the worker that runs the span. The span's
// layers keep their figures in plain fields (Q921Counters, Q931Counters,
// FramesDChannelCounters, the B-channel pool), which only its loop's thread
// touches; publish() copies them into the cells on that thread (counters by
// their increase since the last publish). pri::Span publishes once a second
// and at every change of its D-channel. docs/operations.md lists the
// metrics.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "pri/b_channel_pool.h"

namespace sipnic::pri {

namespace metric {
inline constexpr std::string_view kSpanDChannelUp = "sipnic_span_dchannel_up";
inline constexpr std::string_view kSpanDChannelActive = "sipnic_span_dchannel_active";
inline constexpr std::string_view kSpanBChannels = "sipnic_span_b_channels";
inline constexpr std::string_view kSpanCalls = "sipnic_span_calls_total";
inline constexpr std::string_view kSpanCallsRefused = "sipnic_span_calls_refused_total";
inline constexpr std::string_view kSpanCallsAnswered = "sipnic_span_calls_answered_total";
inline constexpr std::string_view kSpanQ931Messages = "sipnic_span_q931_messages_total";
inline constexpr std::string_view kSpanQ931Errors = "sipnic_span_q931_errors_total";
inline constexpr std::string_view kSpanQ921Frames = "sipnic_span_q921_frames_total";
inline constexpr std::string_view kSpanDChannelLosses = "sipnic_span_dchannel_losses_total";
inline constexpr std::string_view kSpanBadFcs = "sipnic_span_frames_bad_fcs_total";
inline constexpr std::string_view kSpanRestarts = "sipnic_span_restarts_total";
// Line backend only.
inline constexpr std::string_view kSpanLineAlarm = "sipnic_span_line_alarm";
inline constexpr std::string_view kSpanLineErrors = "sipnic_span_line_errors_total";
// The label values of kSpanLineAlarm, in LineAlarms order, and of kSpanLineErrors.
inline constexpr std::array<std::string_view, 4> kLineAlarmNames{"los", "lof", "ais", "rai"};
inline constexpr std::array<std::string_view, 5> kLineErrorKinds{"crc", "far_end_block", "framing", "alignment_loss",
                                                                 "slip"};
}  // namespace metric

class Span;

class SpanMetrics {
 public:
  // Registers the span's series (labels span=NAME) in slot `slot`'s cells;
  // with `line`, the line backend's alarms and error counters too.
  SpanMetrics(core::MetricsRegistry& registry, std::uint32_t slot, const std::string& span, bool line = false);
  void publish(const Span& span);

 private:
  // A counter and what it last published.
  struct Published {
    core::Counter cell;
    std::uint64_t last = 0;
    void set(std::uint64_t now) {
      if (now > last) cell.add(now - last);
      last = now;
    }
  };
  core::Gauge up_;
  core::Gauge active_;
  std::array<core::Gauge, kBChannelStateCount - 1> channels_;  // every state but not-in-service
  Published calls_in_, calls_out_, refused_, answered_;
  Published messages_in_, messages_out_;
  Published ignored_, protocol_errors_, unknown_reference_, out_of_state_;
  Published frames_in_, frames_out_, losses_, bad_fcs_;
  Published restarts_in_, restarts_out_;
  bool line_;
  std::array<core::Gauge, metric::kLineAlarmNames.size()> alarms_;
  std::array<Published, metric::kLineErrorKinds.size()> line_errors_;
};

}  // namespace sipnic::pri
