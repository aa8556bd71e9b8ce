// A [span] as the pri tests build one: every B-channel of the line in service,
// the side's default hunting and the line's default switch variant, unless
// the test changes them afterwards.
#pragma once

#include <string>

#include "core/config.h"

namespace sipnic::test {

inline core::SpanConfig span_config(const std::string& name, core::SpanType type, core::SpanSide side,
                                    core::SpanSocketRole role, const std::string& socket_path,
                                    core::SpanBackend backend = core::SpanBackend::kFrames) {
  core::SpanConfig s;
  s.name = name;
  s.type = type;
  s.side = side;
  s.switch_variant = core::default_switch_variant(type);
  s.backend = backend;
  s.socket_role = role;
  s.socket_path = socket_path;
  s.channels = core::b_channel_numbers(s.type, core::DChannelRole::kPrimary);
  s.hunting = core::default_channel_hunting(side);
  return s;
}

}  // namespace sipnic::test
