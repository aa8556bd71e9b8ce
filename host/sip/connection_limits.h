// How many inbound stream connections (TCP, TLS) a node holds at once: in
// all and per source IP address. Every worker accepts on the same address
// with SO_REUSEPORT and the kernel spreads one source's connections over the
// workers, so a per-worker count would let N workers hold N times the limit:
// the count is node-wide, shared by the workers' transports. Thread-safe; it
// is taken on accept and close only, never on the message path.
//
// It also keeps whether the node's accept() is out of descriptors (they are
// the process's, not a worker's): the workers say so once per spell, and
// spells that flap (a descriptor frees up, is taken again at once) say so at
// most once per warning interval for the whole node.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/clock.h"
#include "core/socket_address.h"

namespace sipnic::sip {

class ConnectionLimits {
 public:
  enum class Verdict { kAdmitted, kNodeFull, kSourceFull };

  // 0 = no limit (for either).
  ConnectionLimits(std::uint32_t max_total, std::uint32_t max_per_source)
      : max_total_(max_total), max_per_source_(max_per_source) {}

  // Counts a new connection from `peer` if both limits allow it; a refused
  // one is not counted. Each kAdmitted needs one release().
  Verdict admit(const core::SocketAddress& peer);
  void release(const core::SocketAddress& peer);

  std::uint32_t open() const;
  std::uint32_t open_from(const core::SocketAddress& peer) const;
  std::uint32_t max_total() const { return max_total_; }
  std::uint32_t max_per_source() const { return max_per_source_; }

  // accept() failed for want of descriptors: true if that starts a spell
  // that the caller should log (the first one, or the first one after no
  // warning for `kShortageWarningInterval`, node-wide). Each connection
  // refused meanwhile is counted.
  static constexpr core::Millis kShortageWarningInterval{10000};
  bool start_descriptor_shortage(core::Clock::time_point now) {
    if (short_of_descriptors_.exchange(true)) return false;  // in a spell already
    const auto t = now.time_since_epoch().count();
    auto last = last_shortage_warning_.load(std::memory_order_relaxed);
    if (last != kNever && t - last < core::Clock::duration(kShortageWarningInterval).count()) return false;
    return last_shortage_warning_.compare_exchange_strong(last, t);
  }
  void count_refused_while_short() { refused_while_short_.fetch_add(1, std::memory_order_relaxed); }
  // accept() worked again: true if that ends a spell; `refused` gets the
  // connections refused during it.
  bool end_descriptor_shortage(std::uint64_t& refused) {
    if (!short_of_descriptors_.load(std::memory_order_relaxed) || !short_of_descriptors_.exchange(false)) return false;
    refused = refused_while_short_.exchange(0);
    return true;
  }

 private:
  std::uint32_t max_total_;
  std::uint32_t max_per_source_;
  mutable std::mutex mutex_;
  std::uint32_t open_ = 0;
  // Sources with at least one open connection (port 0); at most open_ entries.
  std::unordered_map<core::SocketAddress, std::uint32_t, core::SocketAddressHash> per_source_;
  std::atomic<bool> short_of_descriptors_{false};
  static constexpr core::Clock::rep kNever = INT64_MIN;
  std::atomic<core::Clock::rep> last_shortage_warning_{kNever};
  std::atomic<std::uint64_t> refused_while_short_{0};
};

}  // namespace sipnic::sip
