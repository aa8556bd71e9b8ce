#include "interwork/trunk_state.h"

#include "interwork/registration.h"


namespace sipnic::interwork {

TrunkState::TrunkState(const core::TrunkConfig& config) : config_(config) {
  if (auto a = core::SocketAddress::from_ip(config_.peer.host, 0)) sources_.push_back(*a);
  for (const auto& s : config_.inbound_from)
    if (auto a = core::SocketAddress::from_ip(s, 0)) sources_.push_back(*a);
}

bool TrunkState::matches_source(const core::SocketAddress& source) const {
  for (const auto& s : sources_)
    if (s.same_ip(source)) return true;
  return false;
}

bool TrunkState::matches_registered_contact(std::string_view request_uri) const {
  return !registration_instance_.empty() && is_registered_contact(request_uri, registration_instance_);
}

std::string_view TrunkState::refusal_name(Refusal r) {
  switch (r) {
    case Refusal::kDown: return "down";
    case Refusal::kMaxCalls: return "max_calls";
    case Refusal::kMaxCps: return "max_cps";
  }
  return "down";
}

std::string_view TrunkState::direction_name(Direction d) { return d == Direction::kIn ? "in" : "out"; }

std::string TrunkState::try_start_call(std::chrono::steady_clock::time_point now) {
  if (!up()) return refuse(Direction::kOut, Refusal::kDown, "trunk " + config_.name + " is down");
  return try_count_call(now, Direction::kOut);
}

std::string TrunkState::try_accept_call(std::chrono::steady_clock::time_point now) {
  return try_count_call(now, Direction::kIn);
}

std::string TrunkState::refuse(Direction d, Refusal r, std::string why) {
  refused_[static_cast<std::size_t>(d)][static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  return why;
}

std::string TrunkState::try_count_call(std::chrono::steady_clock::time_point now, Direction d) {
  if (config_.max_calls) {
    std::uint32_t cur = active_.fetch_add(1, std::memory_order_relaxed);
    if (cur >= config_.max_calls) {
      active_.fetch_sub(1, std::memory_order_relaxed);
      return refuse(d, Refusal::kMaxCalls, "trunk " + config_.name + " is at its limit of " +
                                            std::to_string(config_.max_calls) + " concurrent calls");
    }
  } else {
    active_.fetch_add(1, std::memory_order_relaxed);
  }
  // The window is kept with or without a limit: status shows the rate.
  if (!calls_rate_.try_add(now, config_.max_cps)) {
    active_.fetch_sub(1, std::memory_order_relaxed);
    return refuse(d, Refusal::kMaxCps, "trunk " + config_.name + " is at its call-rate limit of " +
                                        std::to_string(config_.max_cps) + " calls/s");
  }
  counted_[static_cast<std::size_t>(d)].fetch_add(1, std::memory_order_relaxed);
  return {};
}

std::uint32_t TrunkState::calls_last_second(std::chrono::steady_clock::time_point now) const {
  return calls_rate_.last_second(now);
}

std::string TrunkState::try_admit_request(std::chrono::steady_clock::time_point now, Direction d) {
  if (requests_rate_.try_add(now, config_.max_rps)) return {};
  requests_refused_[static_cast<std::size_t>(d)].fetch_add(1, std::memory_order_relaxed);
  return "trunk " + config_.name + " is at its request-rate limit of " + std::to_string(config_.max_rps) +
         " requests/s";
}

}  // namespace sipnic::interwork
