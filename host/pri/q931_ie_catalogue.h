// The IEs sipnic knows (one table, q931_ie_catalogue.cpp): per codeset 0
// identifier its name, the longest contents Q.931 §4 allows, how many
// occurrences a message may carry (§5.8.5.2: the rest are ignored), whether
// it is access information (§5.8.7.2: a too long one is answered with cause
// 43 rather than 100), and the content check of its typed decoder. Codeset
// 0 IEs not in it are "unrecognised" (§5.8.7.1). IEs of other codesets are
// kept raw; the table only names the ones libpri knows.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "pri/line_type.h"
#include "pri/switch_variant.h"

namespace sipnic::pri::q931 {

// What a content check may depend on besides the octets.
struct IeCheckContext {
  const VariantTraits* variant;
  LineType line;
};

// Returns the first content error of `contents`, or an empty view.
using IeContentCheck = std::string_view (*)(std::span<const std::uint8_t> contents, const IeCheckContext& context);

inline constexpr std::size_t kNoLengthLimit = 255;  // what one length octet can say anyway

struct IeInfo {
  std::uint8_t codeset;
  std::uint8_t id;
  std::string_view name;
  std::size_t max_octets;   // contents after the length octet
  std::uint8_t max_count;   // occurrences honoured in one message
  bool access_information;  // user-user, subaddresses, LLC, HLC
  IeContentCheck check;     // nullptr: contents are not checked
};

// The codeset 0 IE `id` if sipnic recognises it for `variant` (the Change
// status IE only where the variant has SERVICE messages); nullptr otherwise.
const IeInfo* find_ie(std::uint8_t id, const VariantTraits& variant);

// The IE's name for logs ("cause", "display" in codeset 6 as libpri
// knows it there); "unknown" for an IE the table does not name.
std::string_view ie_name(std::uint8_t codeset, std::uint8_t id);

}  // namespace sipnic::pri::q931
