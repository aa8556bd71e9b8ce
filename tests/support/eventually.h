// eventually(): polls a condition until it holds or a limit passes.
//
// For figures another thread updates just after the event a test has seen:
// a worker counts a message sent after its sendto(2) returns, so the peer
// may read the answer, and the test scrape the counter, before the count.
// The limit only bounds a failure; it is no timing check.
#pragma once

#include <chrono>
#include <thread>

namespace sipnic::test {

// `every`: the pause between polls (longer where a poll reads a file).
template <class Done>
bool eventually(Done done, std::chrono::milliseconds limit = std::chrono::seconds(5),
                std::chrono::milliseconds every = std::chrono::milliseconds(2)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return done();
    std::this_thread::sleep_for(every);
  }
  return true;
}

}  // namespace sipnic::test
