#include "sip/connection_limits.h"

namespace sipnic::sip {

namespace {
core::SocketAddress source_of(const core::SocketAddress& peer) {
  core::SocketAddress ip = peer;
  ip.set_port(0);
  return ip;
}
}  // namespace

ConnectionLimits::Verdict ConnectionLimits::admit(const core::SocketAddress& peer) {
  const core::SocketAddress key = source_of(peer);
  std::lock_guard lock(mutex_);
  if (max_total_ != 0 && open_ >= max_total_) return Verdict::kNodeFull;
  auto it = per_source_.find(key);
  if (max_per_source_ != 0 && it != per_source_.end() && it->second >= max_per_source_) return Verdict::kSourceFull;
  if (it == per_source_.end()) it = per_source_.emplace(key, 0).first;
  ++it->second;
  ++open_;
  return Verdict::kAdmitted;
}

void ConnectionLimits::release(const core::SocketAddress& peer) {
  const core::SocketAddress key = source_of(peer);
  std::lock_guard lock(mutex_);
  auto it = per_source_.find(key);
  if (it == per_source_.end()) return;  // never admitted: nothing to give back
  if (--it->second == 0) per_source_.erase(it);
  --open_;
}

std::uint32_t ConnectionLimits::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::uint32_t ConnectionLimits::open_from(const core::SocketAddress& peer) const {
  std::lock_guard lock(mutex_);
  auto it = per_source_.find(source_of(peer));
  return it == per_source_.end() ? 0 : it->second;
}

}  // namespace sipnic::sip
