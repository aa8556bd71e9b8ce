// Interop harness: one sipnic pri::Span (or a pri::NfasGroup, reached
// through its primary span) on its own event loop thread, for tests that
// put it against a real peer (libpri_peer) over `frames` spans.
// The test thread reaches the span through run(), which executes on the
// loop's thread and waits; the span's call events are kept in order and
// taken with wait_event(). Its log lines (debug and up) are kept for
// failure messages.
//
//   SipnicSpan te(config);                               // started
//   ASSERT_TRUE(te.wait_until([](pri::Span& s) { return s.calls().link_up(); }));
//   auto placed = te.run([](pri::Span& s) { return s.calls().setup(call); });
//   auto alerting = te.wait_event(pri::CallEventType::kAlerting);
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "pri/nfas_group.h"
#include "pri/span.h"

namespace sipnic::test {

struct HeardEvent {
  pri::CallEvent event;  // `setup` is null: the copy is below
  std::optional<pri::CallSetup> setup;
};

class SipnicSpan {
 public:
  // Builds and starts the span on a new loop thread; throws what start() throws.
  explicit SipnicSpan(core::SpanConfig config);
  // An NFAS group of these spans; run() and wait_until() get its primary
  // span (whose calls() is the group's, and nfas() the group).
  explicit SipnicSpan(std::vector<core::SpanConfig> nfas_group);
  ~SipnicSpan();
  SipnicSpan(const SipnicSpan&) = delete;
  SipnicSpan& operator=(const SipnicSpan&) = delete;

  // Runs `f(span)` on the loop's thread and returns its result.
  template <class F>
  auto run(F&& f) -> std::invoke_result_t<F&, pri::Span&> {
    using R = std::invoke_result_t<F&, pri::Span&>;
    std::packaged_task<R()> task([&] { return f(*span_); });
    auto done = task.get_future();
    loop_.post([&task] { task(); });
    return done.get();
  }

  // Waits for an event of `type` (not taken before) that `want` accepts;
  // takes it. nullopt at the limit.
  std::optional<HeardEvent> wait_event(pri::CallEventType type,
                                       const std::function<bool(const HeardEvent&)>& want = {},
                                       std::chrono::milliseconds limit = std::chrono::seconds(20));
  // Polls `condition` on the loop's thread until it holds; false at the limit.
  bool wait_until(const std::function<bool(pri::Span&)>& condition,
                  std::chrono::milliseconds limit = std::chrono::seconds(20));
  // Every event so far, taken or not.
  std::vector<HeardEvent> events();
  // The span's log so far.
  std::string log_text();

 private:
  core::EventLoop loop_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<HeardEvent> heard_;
  std::vector<bool> taken_;
  std::vector<std::string> log_lines_;
  core::Log log_;
  std::unique_ptr<pri::Span> own_span_;
  std::unique_ptr<pri::NfasGroup> group_;
  pri::Span* span_ = nullptr;  // own_span_, or group_'s primary
  std::thread thread_;
};

}  // namespace sipnic::test
