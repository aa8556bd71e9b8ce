#include "core/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

namespace sipnic::core {

namespace {
std::uint64_t this_thread_hash() {
  return std::hash<std::thread::id>{}(std::this_thread::get_id()) | 1u;
}
[[noreturn]] void throw_errno(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}
}  // namespace

const TimeSource& steady_time_source() {
  static const SteadyTimeSource source;  // stateless: reading it shares nothing
  return source;
}

EventLoop::EventLoop(const TimeSource& time) : time_(time) {
  // A throw below leaves the descriptors to their UniqueFd members.
  epoll_fd_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd_) throw_errno("epoll_create1");
  wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_) throw_errno("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_.get();
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev) < 0) throw_errno("epoll_ctl(eventfd)");
}

EventLoop::~EventLoop() = default;

void EventLoop::add_fd(int fd, std::uint32_t events, FdHandler handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) throw_errno("epoll_ctl(ADD)");
  fds_[fd] = std::move(handler);
}

void EventLoop::modify_fd(int fd, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) throw_errno("epoll_ctl(MOD)");
}

void EventLoop::remove_fd(int fd) {
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
  fds_.erase(fd);
}

EventLoop::TimerId EventLoop::add_timer(Millis delay, Task task) {
  TimerId id = next_timer_id_++;
  timer_heap_.push(TimerEntry{now() + delay, id});
  timer_tasks_.emplace(id, std::move(task));
  return id;
}

bool EventLoop::cancel_timer(TimerId id) { return timer_tasks_.erase(id) > 0; }

void EventLoop::post(Task task) {
  {
    std::lock_guard lock(mailbox_mutex_);
    mailbox_.push_back(std::move(task));
  }
  std::uint64_t one = 1;
  ssize_t r = ::write(wake_fd_.get(), &one, sizeof one);
  (void)r;  // EAGAIN means the counter is already non-zero: the loop wakes anyway
}

void EventLoop::stop() {
  stopping_.store(true);
  post([] {});
}

bool EventLoop::in_loop_thread() const {
  return thread_id_hash_.load(std::memory_order_relaxed) == this_thread_hash();
}

std::optional<Clock::time_point> EventLoop::next_timer_deadline() {
  // Drop cancelled timers at the top so they don't shorten the wait.
  while (!timer_heap_.empty() && !timer_tasks_.count(timer_heap_.top().id)) timer_heap_.pop();
  if (timer_heap_.empty()) return std::nullopt;
  return timer_heap_.top().when;
}

int EventLoop::next_timeout_ms() {
  auto next = next_timer_deadline();
  if (!next) return -1;
  auto delta = *next - now();
  if (delta <= Clock::duration::zero()) return 0;
  // Manual time moves only when a test advances it: nothing to wait for.
  if (time_.manual()) return -1;
  auto ms = std::chrono::duration_cast<Millis>(delta).count() + 1;
  return ms > 60000 ? 60000 : static_cast<int>(ms);
}

void EventLoop::run_due_timers() {
  const auto t = now();
  while (!timer_heap_.empty() && timer_heap_.top().when <= t) {
    TimerId id = timer_heap_.top().id;
    timer_heap_.pop();
    auto it = timer_tasks_.find(id);
    if (it == timer_tasks_.end()) continue;
    Task task = std::move(it->second);
    timer_tasks_.erase(it);
    task();
  }
}

void EventLoop::drain_mailbox() {
  std::uint64_t count;
  ssize_t r = ::read(wake_fd_.get(), &count, sizeof count);
  (void)r;
  std::vector<Task> tasks;
  {
    std::lock_guard lock(mailbox_mutex_);
    tasks.swap(mailbox_);
  }
  for (auto& t : tasks) t();
}

void EventLoop::turn(int timeout_ms) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int n = ::epoll_wait(epoll_fd_.get(), events, kMaxEvents, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return;
    throw_errno("epoll_wait");
  }
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == wake_fd_.get()) {
      drain_mailbox();
      continue;
    }
    auto it = fds_.find(fd);
    if (it == fds_.end()) continue;  // removed earlier in this turn
    // Copy: the handler may remove itself (and so destroy the stored one).
    FdHandler handler = it->second;
    handler(events[i].events);
  }
  run_due_timers();
  if (turn_end_) turn_end_();
}

void EventLoop::run() {
  thread_id_hash_.store(this_thread_hash());
  while (!stopping_.load(std::memory_order_relaxed)) turn(next_timeout_ms());
  // Run what was posted before stop() so nothing posted is silently lost.
  drain_mailbox();
  // stop() ends this run(); a later run() (tests drive a loop in steps) goes on.
  stopping_.store(false);
}

void EventLoop::run_once(Millis max_wait) {
  thread_id_hash_.store(this_thread_hash());
  int timeout = next_timeout_ms();
  const auto cap = static_cast<int>(std::min<Millis::rep>(max_wait.count(), 60000));
  if (timeout < 0 || timeout > cap) timeout = cap;
  turn(timeout);
  // A mailbox post that raced the wait is run now rather than a turn later.
  drain_mailbox();
}

void EventLoop::advance(ManualClock& clock, Clock::duration d) {
  if (&clock != &time_) throw std::logic_error("EventLoop::advance: not this loop's clock");
  const auto target = now() + d;
  for (;;) {
    auto next = next_timer_deadline();
    if (!next || *next > target) break;
    clock.advance_to(*next);
    run_once();
  }
  clock.advance_to(target);
  run_once();
}

}  // namespace sipnic::core
