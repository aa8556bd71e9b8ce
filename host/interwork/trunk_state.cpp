#include "interwork/trunk_state.h"

#include "interwork/registration.h"

#include <algorithm>
#include <cmath>

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

namespace {

std::int64_t rate_slot_of(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() / 100;
}

}  // namespace

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
  std::int64_t slot = rate_slot_of(now);
  std::int64_t last = rate_slot_.load(std::memory_order_relaxed);
  if (slot != last && rate_slot_.compare_exchange_strong(last, slot)) {
    // Clear the slots that passed since `last` (all of them after a second).
    for (std::int64_t s = last + 1; s <= slot && s <= last + 10; ++s)
      rate_count_[s % 10].store(0, std::memory_order_relaxed);
  }
  if (config_.max_cps > 0) {
    std::uint32_t total = 0;
    for (const auto& c : rate_count_) total += c.load(std::memory_order_relaxed);
    if (total + 1 > static_cast<std::uint32_t>(std::ceil(config_.max_cps))) {
      active_.fetch_sub(1, std::memory_order_relaxed);
      return refuse(d, Refusal::kMaxCps, "trunk " + config_.name + " is at its call-rate limit of " +
                                          std::to_string(config_.max_cps) + " calls/s");
    }
  }
  rate_count_[slot % 10].fetch_add(1, std::memory_order_relaxed);
  counted_[static_cast<std::size_t>(d)].fetch_add(1, std::memory_order_relaxed);
  return {};
}

std::uint32_t TrunkState::calls_last_second(std::chrono::steady_clock::time_point now) const {
  const std::int64_t slot = rate_slot_of(now);
  const std::int64_t last = rate_slot_.load(std::memory_order_relaxed);
  if (slot - last >= 10) return 0;  // nothing started in the last second
  // Slots after `last` have not been reused yet: only [slot - 9, last] count.
  std::uint32_t total = 0;
  for (std::int64_t s = std::max(slot, last) - 9; s <= last; ++s)
    total += rate_count_[s % 10].load(std::memory_order_relaxed);
  return total;
}

}  // namespace sipnic::interwork
