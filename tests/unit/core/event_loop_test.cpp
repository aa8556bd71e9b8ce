#include "core/event_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace sipnic::core {
namespace {

TEST(EventLoop, TimersRunInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.add_timer(Millis(30), [&] { order.push_back(3); loop.stop(); });
  loop.add_timer(Millis(10), [&] { order.push_back(1); });
  loop.add_timer(Millis(20), [&] { order.push_back(2); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, CancelledTimerNeverRuns) {
  EventLoop loop;
  bool ran = false;
  auto id = loop.add_timer(Millis(5), [&] { ran = true; });
  EXPECT_TRUE(loop.cancel_timer(id));
  EXPECT_FALSE(loop.cancel_timer(id));
  loop.add_timer(Millis(20), [&] { loop.stop(); });
  loop.run();
  EXPECT_FALSE(ran);
}

TEST(EventLoop, PostFromAnotherThreadRunsOnLoopThread) {
  EventLoop loop;
  std::thread::id ran_on;
  std::thread poster([&] {
    loop.post([&] {
      ran_on = std::this_thread::get_id();
      loop.stop();
    });
  });
  auto loop_thread = std::this_thread::get_id();
  loop.run();
  poster.join();
  EXPECT_EQ(ran_on, loop_thread);
}

TEST(EventLoop, FdHandlerSeesReadableAndMayRemoveItself) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int calls = 0;
  loop.add_fd(fds[0], EPOLLIN, [&](std::uint32_t ev) {
    EXPECT_TRUE(ev & EPOLLIN);
    ++calls;
    loop.remove_fd(fds[0]);
    loop.add_timer(Millis(10), [&] { loop.stop(); });
  });
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  loop.run();
  EXPECT_EQ(calls, 1);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, RunCanBeResumedAfterStop) {
  EventLoop loop;
  int turns = 0;
  for (int i = 0; i < 2; ++i) {
    loop.add_timer(Millis(1), [&] { ++turns; loop.stop(); });
    loop.run();
  }
  EXPECT_EQ(turns, 2);
}

TEST(EventLoop, TurnEndHookRunsAfterEvents) {
  EventLoop loop;
  bool timer_ran = false;
  bool hook_saw_timer = false;
  loop.set_turn_end_hook([&] {
    if (timer_ran) {
      hook_saw_timer = true;
      loop.stop();
    }
  });
  loop.add_timer(Millis(1), [&] { timer_ran = true; });
  loop.run();
  EXPECT_TRUE(hook_saw_timer);
}

}  // namespace
}  // namespace sipnic::core
