#include "interwork/rate_window.h"

#include <algorithm>
#include <cmath>

namespace sipnic::interwork {

namespace {

std::int64_t slot_of(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() / 100;
}

}  // namespace

bool RateWindow::try_add(std::chrono::steady_clock::time_point now, double limit) {
  std::int64_t slot = slot_of(now);
  std::int64_t last = slot_.load(std::memory_order_relaxed);
  if (slot != last && slot_.compare_exchange_strong(last, slot)) {
    // Clear the slots that passed since `last` (all of them after a second).
    for (std::int64_t s = last + 1; s <= slot && s <= last + 10; ++s) count_[s % 10].store(0, std::memory_order_relaxed);
  }
  if (limit > 0) {
    std::uint32_t total = 0;
    for (const auto& c : count_) total += c.load(std::memory_order_relaxed);
    if (total + 1 > static_cast<std::uint32_t>(std::ceil(limit))) return false;
  }
  count_[slot % 10].fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::uint32_t RateWindow::last_second(std::chrono::steady_clock::time_point now) const {
  const std::int64_t slot = slot_of(now);
  const std::int64_t last = slot_.load(std::memory_order_relaxed);
  if (slot - last >= 10) return 0;  // nothing counted in the last second
  // Slots after `last` have not been reused yet: only [slot - 9, last] count.
  std::uint32_t total = 0;
  for (std::int64_t s = std::max(slot, last) - 9; s <= last; ++s) total += count_[s % 10].load(std::memory_order_relaxed);
  return total;
}

}  // namespace sipnic::interwork
