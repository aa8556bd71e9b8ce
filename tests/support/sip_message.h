// One SIP message as text to a sip::SipMessage, through the real parser (the
// CPU parse engine), for tests that build SIP as text. The text must hold
// exactly one well-formed message; a gtest failure says so otherwise.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "offload/cpu_sip_parse_engine.h"
#include "sip/message.h"

namespace sipnic::test {

inline sip::SipMessage parse_sip(const std::string& text) {
  offload::CpuSipParseEngine engine;
  offload::SipParseOutput out;
  offload::SegmentDescriptor seg{0, static_cast<std::uint32_t>(text.size()), 0};
  engine.parse({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, {&seg, 1}, out);
  EXPECT_EQ(out.segments[0].error, 0) << text;
  EXPECT_EQ(out.segments[0].message_count, 1u) << text;
  return sip::SipMessage::from_batch(text, out.messages[0], out.headers);
}

}  // namespace sipnic::test
