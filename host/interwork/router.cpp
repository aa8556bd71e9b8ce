#include "interwork/router.h"

#include <algorithm>

#include "sip/header_values.h"

namespace sipnic::interwork {

std::string rewrite_number(std::string_view user, std::uint32_t strip, std::string_view prepend) {
  std::string out(prepend);
  out += user.substr(std::min<std::size_t>(strip, user.size()));
  return out;
}

namespace {

// "name" or "name=value" (RFC 3261 §19.1.4: names and values compare
// case-insensitively).
bool has_param(const sip::ParamList& params, std::string_view wanted) {
  std::size_t eq = wanted.find('=');
  auto p = params.find(wanted.substr(0, eq));
  if (!p) return false;
  return eq == std::string_view::npos || sip::iequals(p->value, wanted.substr(eq + 1));
}

}  // namespace

std::optional<RouteDecision> Router::route(const RouteQuery& q) const {
  sip::ParamList params(q.uri_params);
  for (const auto& r : config_.routes) {
    if (!r.from_trunk.empty() && r.from_trunk != q.from_trunk) continue;
    if (!r.methods.empty() && std::find(r.methods.begin(), r.methods.end(), q.method) == r.methods.end()) continue;
    if (q.user.substr(0, r.match_prefix.size()) != r.match_prefix) continue;
    if (!std::all_of(r.match_params.begin(), r.match_params.end(),
                     [&](const std::string& p) { return has_param(params, p); }))
      continue;
    const core::TrunkConfig* target = config_.find_trunk(r.to_trunk);
    if (!target) continue;  // check-config refuses this; never route to nothing
    return RouteDecision{&r, target, rewrite_number(q.user, r.strip, r.prepend)};
  }
  return std::nullopt;
}

}  // namespace sipnic::interwork
