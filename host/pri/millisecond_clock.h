// pri::MillisecondClock: calls a function once for every millisecond of the
// loop's clock, as a TDM line's 8000 frames a second come in 1 ms blocks.
// When the loop comes late, the missed milliseconds are run in the same turn,
// up to kMaxCatchUpMs; a longer stall (a stopped process) is skipped and
// counted, as a line whose clock stopped. The line backend's TdmDatapath and
// the frames backend's B-channels run on one.
#pragma once

#include <cstdint>
#include <functional>

#include "core/event_loop.h"

namespace sipnic::pri {

class MillisecondClock {
 public:
  static constexpr std::uint32_t kMaxCatchUpMs = 50;

  // `loop` must outlive it. Nothing runs until start().
  MillisecondClock(core::EventLoop& loop, std::function<void()> each_ms);
  ~MillisecondClock();
  MillisecondClock(const MillisecondClock&) = delete;
  MillisecondClock& operator=(const MillisecondClock&) = delete;

  void start();  // the first millisecond ends 1 ms from now
  void stop();
  bool running() const { return timer_ != 0; }
  std::uint64_t runs() const { return runs_; }        // milliseconds run
  std::uint64_t skipped() const { return skipped_; }  // milliseconds not run: stalls over kMaxCatchUpMs

 private:
  void tick();

  core::EventLoop& loop_;
  const std::function<void()> each_ms_;
  core::EventLoop::TimerId timer_ = 0;
  core::Clock::time_point start_{};
  std::uint64_t due_ = 0;  // milliseconds from start_ run or skipped
  std::uint64_t runs_ = 0;
  std::uint64_t skipped_ = 0;
};

}  // namespace sipnic::pri
