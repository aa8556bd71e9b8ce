// Which end of a PRI sipnic is: the user side (TE, CPE: facing a carrier
// switch) or the network side (NT: facing a PBX). Q.921 reads it for the C/R
// bit of every frame, Q.931 for which call states and procedures apply.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/config.h"

namespace sipnic::pri {

using Side = core::SpanSide;  // the config's, one enum for both layers

constexpr Side other_side(Side s) { return s == Side::kUser ? Side::kNetwork : Side::kUser; }

constexpr std::string_view side_name(Side s) { return s == Side::kUser ? "user" : "network"; }

}  // namespace sipnic::pri
