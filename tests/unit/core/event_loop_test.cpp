#include "core/event_loop.h"
#include "core/unique_fd.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace sipnic::core {
namespace {

TEST(EventLoop, TimersRunInDeadlineOrder) {
  ManualClock clock;
  EventLoop loop(clock);
  std::vector<int> order;
  loop.add_timer(Millis(30), [&] { order.push_back(3); });
  loop.add_timer(Millis(10), [&] { order.push_back(1); });
  loop.add_timer(Millis(20), [&] { order.push_back(2); });
  loop.advance(clock, Millis(30));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, TimersWithTheSameDeadlineRunInTheOrderTheyWereArmed) {
  ManualClock clock;
  EventLoop loop(clock);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) loop.add_timer(Millis(7), [&order, i] { order.push_back(i); });
  loop.advance(clock, Millis(7));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(EventLoop, CancelledTimerNeverRuns) {
  ManualClock clock;
  EventLoop loop(clock);
  bool ran = false;
  auto id = loop.add_timer(Millis(5), [&] { ran = true; });
  EXPECT_TRUE(loop.cancel_timer(id));
  EXPECT_FALSE(loop.cancel_timer(id));
  loop.advance(clock, Millis(100));
  EXPECT_FALSE(ran);
  EXPECT_FALSE(loop.next_timer_deadline().has_value());
}

TEST(EventLoop, ManualTimeStandsStillUntilAdvanced) {
  ManualClock clock;
  EventLoop loop(clock);
  bool ran = false;
  loop.add_timer(Millis(1000), [&] { ran = true; });
  loop.run_once(Millis(20));  // 20 ms of real time pass; manual time does not
  EXPECT_FALSE(ran);
  loop.advance(clock, Millis(999));
  EXPECT_FALSE(ran);
  loop.advance(clock, Millis(1));
  EXPECT_TRUE(ran);
}

TEST(EventLoop, AdvanceFiresEachTimerAtItsOwnTimeIncludingOnesArmedOnTheWay) {
  // A retransmission schedule as RFC 3261 Timer A arms it: each firing arms
  // the next at twice the interval. Advancing 3.5 s in one call must see each
  // firing at its own deadline (0.5, 1.5, 3.5 s), as a real clock would.
  ManualClock clock;
  EventLoop loop(clock);
  const auto start = loop.now();
  std::vector<Millis> fired;
  Millis interval(500);
  std::function<void()> arm = [&] {
    loop.add_timer(interval, [&] {
      fired.push_back(std::chrono::duration_cast<Millis>(loop.now() - start));
      interval *= 2;
      arm();
    });
  };
  arm();
  loop.advance(clock, Millis(3500));
  EXPECT_EQ(fired, (std::vector<Millis>{Millis(500), Millis(1500), Millis(3500)}));
  EXPECT_EQ(loop.now() - start, Millis(3500));
}

TEST(EventLoop, AdvanceRefusesAClockThatIsNotTheLoops) {
  ManualClock mine, other;
  EventLoop loop(mine);
  EXPECT_THROW(loop.advance(other, Millis(1)), std::logic_error);
}

TEST(EventLoop, SteadyLoopTimersFireOnRealTime) {
  // The production time source: a short real timer still fires from run().
  EventLoop loop;
  bool ran = false;
  loop.add_timer(Millis(1), [&] { ran = true; loop.stop(); });
  loop.run();
  EXPECT_TRUE(ran);
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
  const UniqueFd read_end(fds[0]);
  const UniqueFd write_end(fds[1]);
  int calls = 0;
  loop.add_fd(read_end.get(), EPOLLIN, [&](std::uint32_t ev) {
    EXPECT_TRUE(ev & EPOLLIN);
    ++calls;
    loop.remove_fd(read_end.get());
    loop.stop();
  });
  ASSERT_EQ(::write(write_end.get(), "x", 1), 1);
  loop.run();
  EXPECT_EQ(calls, 1);
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
