#include "pri/millisecond_clock.h"

#include <chrono>

namespace sipnic::pri {

namespace {
constexpr core::Millis kTick{1};
}  // namespace

MillisecondClock::MillisecondClock(core::EventLoop& loop, std::function<void()> each_ms)
    : loop_(loop), each_ms_(std::move(each_ms)) {}

MillisecondClock::~MillisecondClock() { stop(); }

void MillisecondClock::start() {
  if (timer_) return;
  start_ = loop_.now();
  due_ = 0;
  timer_ = loop_.add_timer(kTick, [this] { tick(); });
}

void MillisecondClock::stop() {
  if (timer_) loop_.cancel_timer(timer_);
  timer_ = 0;
}

void MillisecondClock::tick() {
  timer_ = loop_.add_timer(kTick, [this] { tick(); });
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(loop_.now() - start_).count();
  const std::uint64_t now = elapsed > 0 ? static_cast<std::uint64_t>(elapsed) : 0;
  if (now > due_ + kMaxCatchUpMs) {
    skipped_ += now - kMaxCatchUpMs - due_;
    due_ = now - kMaxCatchUpMs;
  }
  // each_ms_ may stop the clock (the last port leaving): then stop here too.
  while (due_ < now && timer_) {
    ++due_;
    ++runs_;
    each_ms_();
  }
}

}  // namespace sipnic::pri
