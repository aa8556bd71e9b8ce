#include "interwork/router.h"

namespace sipnic::interwork {

std::string rewrite_number(std::string_view user, std::uint32_t strip, std::string_view prepend) {
  std::string out(prepend);
  out += user.substr(std::min<std::size_t>(strip, user.size()));
  return out;
}

std::optional<RouteDecision> Router::route(std::string_view from_trunk, std::string_view user) const {
  for (const auto& r : config_.routes) {
    if (!r.from_trunk.empty() && r.from_trunk != from_trunk) continue;
    if (user.substr(0, r.match_prefix.size()) != r.match_prefix) continue;
    const core::TrunkConfig* target = config_.find_trunk(r.to_trunk);
    if (!target) continue;  // check-config refuses this; never route to nothing
    return RouteDecision{&r, target, rewrite_number(user, r.strip, r.prepend)};
  }
  return std::nullopt;
}

}  // namespace sipnic::interwork
