// pri::SpanGroup: the spans that share a `group` ([span] group = NAME; by
// default each span is a group of its own), hunted together for outgoing
// calls. The spans are tried in the group's order, which the first span's
// `hunting` gives across the spans as it gives it across channels:
// ascending (config order), descending (the last span first), round-robin
// (starting after the span that took the last call). Within a span its own
// hunting picks the channel. A span that refuses because it has no channel
// free (34) or its D-channel is down (38) passes the call to the next; any
// other refusal ends the hunt. Every span of a group runs on one event loop
// (the node puts a group on one worker), so the hunt is one synchronous pass.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/config.h"
#include "pri/call_events.h"
#include "pri/q931_call_control.h"

namespace sipnic::pri {

class Span;

class SpanGroup {
 public:
  SpanGroup(std::string name, core::ChannelHunting hunting);

  void add(Span& span);
  const std::string& name() const { return name_; }
  const std::vector<Span*>& spans() const { return spans_; }

  struct Placed {
    Span* span = nullptr;  // null: no span took the call
    SetupResult result;    // the span's; when none took it, the refusal (34 when every span was full or down)
  };
  Placed setup(const OutgoingCall& call);

 private:
  std::string name_;
  core::ChannelHunting hunting_;
  std::vector<Span*> spans_;
  std::size_t last_ = 0;  // round-robin: the span that took the last call
};

// The names of the groups of `spans` (each span's `group`), in the order they
// first appear: the node runs a group on worker (its index mod workers).
std::vector<std::string> span_group_names(const std::vector<core::SpanConfig>& spans);

}  // namespace sipnic::pri
