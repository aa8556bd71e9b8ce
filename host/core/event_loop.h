// EventLoop: one per worker thread. epoll for file descriptors, a timer heap,
// and a mailbox that other threads post closures into (the only cross-thread
// entry; it wakes the loop through an eventfd). Everything else on a loop is
// touched by its own thread only, so the message path takes no shared lock.
// Time comes from a TimeSource (core/clock.h): the steady clock, or in tests
// a ManualClock that only advance() moves.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/unique_fd.h"

namespace sipnic::core {

class EventLoop {
 public:
  using FdHandler = std::function<void(std::uint32_t epoll_events)>;
  using Task = std::function<void()>;
  using TimerId = std::uint64_t;  // 0 is never a valid id

  // `time` must outlive the loop.
  explicit EventLoop(const TimeSource& time = steady_time_source());
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Watches `fd` for `events` (EPOLLIN, EPOLLOUT, ...). The loop does not own fd.
  void add_fd(int fd, std::uint32_t events, FdHandler handler);
  void modify_fd(int fd, std::uint32_t events);
  // Safe to call from inside the fd's own handler.
  void remove_fd(int fd);

  // Runs `task` once after `delay` on this loop's thread.
  TimerId add_timer(Millis delay, Task task);
  // Returns false if the timer already ran or was cancelled. Loop thread only.
  bool cancel_timer(TimerId id);

  // Thread-safe: runs `task` on the loop's thread soon.
  void post(Task task);

  // Runs until stop(). `on_turn_end` runs after each turn's events (where
  // batches formed during the turn are flushed).
  void run();
  void stop();  // thread-safe; ends the current (or the next) run()
  bool in_loop_thread() const;

  // One turn on the caller's thread: waits up to `max_wait` for file
  // descriptors (less when a timer is due sooner), then runs the mailbox, the
  // due timers and the turn-end hook. For tests that drive a loop in steps.
  void run_once(Millis max_wait = Millis(0));
  // ManualClock loops only (`clock` is the loop's TimeSource): moves time
  // forward by `d` one timer deadline at a time, running a turn at each, so
  // that timers fire in order and at their own time (a timer armed by a
  // timer within `d` fires too). Ends with a turn at the new time.
  void advance(ManualClock& clock, Clock::duration d);
  // The deadline of the earliest live timer, if any.
  std::optional<Clock::time_point> next_timer_deadline();

  // Called at the end of each loop turn, on the loop thread.
  void set_turn_end_hook(Task hook) { turn_end_ = std::move(hook); }

  Clock::time_point now() const { return time_.now(); }
  const TimeSource& time_source() const { return time_; }

 private:
  struct TimerEntry {
    Clock::time_point when;
    TimerId id;
    bool operator>(const TimerEntry& o) const {
      return when != o.when ? when > o.when : id > o.id;
    }
  };

  int next_timeout_ms();
  void turn(int timeout_ms);
  void run_due_timers();
  void drain_mailbox();

  const TimeSource& time_;
  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> thread_id_hash_{0};
  std::unordered_map<int, FdHandler> fds_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timer_heap_;
  std::unordered_map<TimerId, Task> timer_tasks_;  // absent = cancelled or ran
  TimerId next_timer_id_ = 1;
  std::mutex mailbox_mutex_;  // per loop, held only to swap the vector
  std::vector<Task> mailbox_;
  Task turn_end_;
};

}  // namespace sipnic::core
