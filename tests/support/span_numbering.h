// SpanNumbering of a North American T1 (country code 1, prefixes 1 and 011),
// with an area code when given, for the interwork tests of numbers.
#pragma once

#include <string>

#include "core/config.h"

namespace sipnic::test {

inline core::SpanNumbering nanp_numbering(std::string area_code = {}) {
  core::SpanNumbering n;
  n.country_code = "1";
  n.area_code = std::move(area_code);
  n.national_prefix = "1";
  n.international_prefix = "011";
  return n;
}

}  // namespace sipnic::test
