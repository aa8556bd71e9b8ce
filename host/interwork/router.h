// Route selection for a new call: the first route (in config order) whose
// source trunk and Request-URI user prefix match, and the number rewrite it
// asks for (strip digits, then prepend).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"

namespace sipnic::interwork {

struct RouteDecision {
  const core::RouteConfig* route = nullptr;
  const core::TrunkConfig* target = nullptr;
  std::string user;  // the rewritten Request-URI user part
};

class Router {
 public:
  explicit Router(const core::Config& config) : config_(config) {}
  std::optional<RouteDecision> route(std::string_view from_trunk, std::string_view user) const;

 private:
  const core::Config& config_;
};

std::string rewrite_number(std::string_view user, std::uint32_t strip, std::string_view prepend);

}  // namespace sipnic::interwork
