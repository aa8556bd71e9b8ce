// Run-time state of a trunk shared by all workers: up/down from OPTIONS pings,
// concurrent calls and the call-rate window. Atomics only: the message path
// takes no lock for it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/socket_address.h"

namespace sipnic::interwork {

class TrunkState {
 public:
  explicit TrunkState(const core::TrunkConfig& config);

  const core::TrunkConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }

  bool up() const { return up_.load(std::memory_order_relaxed); }
  void set_up(bool up) { up_.store(up, std::memory_order_relaxed); }

  // True if a source address belongs to this trunk (peer IP literal or
  // inbound-from entries, or an address the resolver found for it).
  bool matches_source(const core::SocketAddress& source) const;

  // Why a new call to this trunk is refused now (down, max-calls, max-cps),
  // or "" if it may start. On "" the call is counted; end_call() must follow.
  std::string try_start_call(std::chrono::steady_clock::time_point now);
  // The same for a call this trunk sends in: its own max-calls and max-cps
  // apply to it too (a call counts against both of its trunks); a trunk
  // marked down by OPTIONS that sends a call is evidently there, so that
  // does not refuse it.
  std::string try_accept_call(std::chrono::steady_clock::time_point now);
  void end_call() { active_.fetch_sub(1, std::memory_order_relaxed); }
  std::uint32_t active_calls() const { return active_.load(std::memory_order_relaxed); }

 private:
  std::string try_count_call(std::chrono::steady_clock::time_point now);

  core::TrunkConfig config_;
  std::vector<core::SocketAddress> sources_;
  std::atomic<bool> up_{true};
  std::atomic<std::uint32_t> active_{0};
  // Call-rate window: the current 100 ms slot and the calls started in the
  // last ten slots (a sliding second).
  std::atomic<std::int64_t> rate_slot_{0};
  std::atomic<std::uint32_t> rate_count_[10] = {};
};

}  // namespace sipnic::interwork
