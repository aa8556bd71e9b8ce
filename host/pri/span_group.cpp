#include "pri/span_group.h"

#include <algorithm>

#include "pri/span.h"

namespace sipnic::pri {

SpanGroup::SpanGroup(std::string name, core::ChannelHunting hunting) : name_(std::move(name)), hunting_(hunting) {}

void SpanGroup::add(Span& span) { spans_.push_back(&span); }

SpanGroup::Placed SpanGroup::setup(const OutgoingCall& call) {
  Placed p;
  p.result.refused = Cause::kNoCircuitAvailable;
  const std::size_t n = spans_.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t at = i;
    if (hunting_ == core::ChannelHunting::kDescending) at = n - 1 - i;
    if (hunting_ == core::ChannelHunting::kRoundRobin) at = (last_ + 1 + i) % n;
    Span& span = *spans_[at];
    const SetupResult r = span.calls().setup(call);
    if (r.call != kNoCall) {
      last_ = at;
      return Placed{&span, r};
    }
    const bool pass_on = r.refused == Cause::kNoCircuitAvailable || r.refused == Cause::kNetworkOutOfOrder;
    if (!pass_on) return Placed{nullptr, r};
  }
  return p;
}

std::vector<std::string> span_group_names(const std::vector<core::SpanConfig>& spans) {
  std::vector<std::string> out;
  for (const auto& s : spans) {
    const std::string g = s.group.empty() ? s.name : s.group;
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  }
  return out;
}

}  // namespace sipnic::pri
