// The JSON that `sipnic parse` prints for one file (docs/cli.md): the header
// index a SipParseEngine found, and the validation verdict. `sipnic kernel
// sip_parse` prints the same, so that a regression run compares backends with
// `cmp`.
#pragma once

#include <ostream>
#include <string>

#include "offload/sip_parse_engine.h"

namespace sipnic::app {

// Parses `data` (one datagram, or stream bytes with `stream`) on `engine` and
// prints one JSON object line for it, named `name`; returns true if
// everything in it is acceptable.
bool print_parse_result(const std::string& name, const std::string& data, bool stream,
                        offload::SipParseEngine& engine, std::ostream& o);

}  // namespace sipnic::app
