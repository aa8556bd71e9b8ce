// Whether a message lists a token in a comma-separated header: an option-tag
// in Supported, Require or Unsupported (RFC 3261 §19.2), a method in Allow.
// Every header of that kind counts (a list may be split over several lines);
// the comparison is case-sensitive, as RFC 3261 compares option-tags and
// method names.
#pragma once

#include <string_view>

#include "offload/sip_index.h"
#include "sip/message_view.h"

namespace sipnic::sip {

bool lists_token(const MessageView& m, offload::HeaderId id, std::string_view token);

}  // namespace sipnic::sip
