// Run-time state of a trunk shared by all workers: up/down from OPTIONS pings,
// concurrent calls, the call- and request-rate windows, and the trunk's call and OPTIONS
// counts (which the node's registry reads through callbacks). Atomics only:
// the message path takes no lock for it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/socket_address.h"
#include "interwork/rate_window.h"

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

  // Registration trunks (register = on): the rinstance of the Contact sipnic
  // registers for this trunk, set by the node before the workers start and
  // fixed afterwards (so read from any worker without a lock).
  void set_registration_instance(std::string instance) { registration_instance_ = std::move(instance); }
  const std::string& registration_instance() const { return registration_instance_; }
  // True if an inbound Request-URI is the Contact registered for this trunk
  // (its rinstance parameter): the registrar sent the request to this trunk.
  bool matches_registered_contact(std::string_view request_uri) const;

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

  // Why a call was refused, and which way it went: towards the trunk
  // (try_start_call) or sent in by it (try_accept_call).
  enum class Refusal : std::uint8_t { kDown, kMaxCalls, kMaxCps };
  static constexpr std::size_t kRefusalCount = 3;
  static std::string_view refusal_name(Refusal r);  // "down", "max_calls", "max_cps"
  enum class Direction : std::uint8_t { kOut, kIn };
  static std::string_view direction_name(Direction d);  // "out", "in"
  // Calls admitted towards the trunk, and calls from it admitted.
  std::uint64_t calls_started() const { return counted_[0].load(std::memory_order_relaxed); }
  std::uint64_t calls_received() const { return counted_[1].load(std::memory_order_relaxed); }
  std::uint64_t calls_refused(Refusal r, Direction d = Direction::kOut) const {
    return refused_[static_cast<std::size_t>(d)][static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  }
  // Calls admitted either way in the sliding second before `now` (the
  // call-rate window that max-cps holds).
  std::uint32_t calls_last_second(std::chrono::steady_clock::time_point now) const;

  // Out-of-dialog MESSAGE, PUBLISH and SUBSCRIBE to (kOut) or from (kIn)
  // the trunk: "" if the trunk's max-rps admits one more now (counted), else
  // why not (counted as refused).
  std::string try_admit_request(std::chrono::steady_clock::time_point now, Direction d);
  std::uint64_t requests_refused(Direction d) const {
    return requests_refused_[static_cast<std::size_t>(d)].load(std::memory_order_relaxed);
  }

  // An OPTIONS ping's result (the node's pinger, which also sets up/down).
  void record_options(bool answered) {
    (answered ? options_answered_ : options_unanswered_).fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t options_answered() const { return options_answered_.load(std::memory_order_relaxed); }
  std::uint64_t options_unanswered() const { return options_unanswered_.load(std::memory_order_relaxed); }

 private:
  std::string try_count_call(std::chrono::steady_clock::time_point now, Direction d);
  std::string refuse(Direction d, Refusal r, std::string why);

  core::TrunkConfig config_;
  std::vector<core::SocketAddress> sources_;
  std::string registration_instance_;  // "" = not a registration trunk
  std::atomic<bool> up_{true};
  std::atomic<std::uint32_t> active_{0};
  RateWindow calls_rate_;     // calls admitted either way (max-cps)
  RateWindow requests_rate_;  // out-of-dialog requests either way (max-rps)
  std::atomic<std::uint64_t> requests_refused_[2] = {};  // by Direction
  std::atomic<std::uint64_t> counted_[2] = {};  // by Direction
  std::atomic<std::uint64_t> refused_[2][kRefusalCount] = {};
  std::atomic<std::uint64_t> options_answered_{0};
  std::atomic<std::uint64_t> options_unanswered_{0};
};

}  // namespace sipnic::interwork
