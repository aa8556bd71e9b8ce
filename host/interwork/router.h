// Route selection for a new call or out-of-dialog request: the first route
// (in config order) whose source trunk, method, Request-URI user prefix and
// Request-URI parameters (RFC 4458 `cause`, `target`) match, and the number
// rewrite it asks for (strip digits, then prepend).
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

// What a route is matched against.
struct RouteQuery {
  std::string_view from_trunk = {};
  std::string_view user = {};      // Request-URI user part
  std::string_view method = "INVITE";
  std::string_view uri_params = {};  // the Request-URI's ";name=value..." (sip::Uri::params)
};

class Router {
 public:
  explicit Router(const core::Config& config) : config_(config) {}
  std::optional<RouteDecision> route(const RouteQuery& query) const;

 private:
  const core::Config& config_;
};

std::string rewrite_number(std::string_view user, std::uint32_t strip, std::string_view prepend);

}  // namespace sipnic::interwork
