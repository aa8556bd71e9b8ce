#include "interop/support/sipnic_span.h"

#include <stdexcept>

namespace sipnic::test {

SipnicSpan::SipnicSpan(core::SpanConfig config) : SipnicSpan(std::vector<core::SpanConfig>{std::move(config)}) {}

SipnicSpan::SipnicSpan(std::vector<core::SpanConfig> configs)
    : log_(core::LogLevel::kDebug, [this](core::LogLevel, std::string_view line) {
        std::lock_guard<std::mutex> lock(mutex_);
        log_lines_.emplace_back(line);
      }) {
  thread_ = std::thread([this] { loop_.run(); });
  std::promise<void> started;
  auto ready = started.get_future();
  loop_.post([&] {
    try {
      pri::Span::Callbacks cb;
      cb.on_event = [this](const pri::CallEvent& e) {
        HeardEvent h{e, e.setup ? std::optional<pri::CallSetup>(*e.setup) : std::nullopt};
        h.event.setup = nullptr;
        std::lock_guard<std::mutex> lock(mutex_);
        heard_.push_back(std::move(h));
        taken_.push_back(false);
        changed_.notify_all();
      };
      if (configs.size() == 1 && configs.front().nfas_group.empty()) {
        own_span_ = std::make_unique<pri::Span>(loop_, std::move(configs.front()), cb, &log_);
        span_ = own_span_.get();
        span_->start();
      } else {
        group_ = std::make_unique<pri::NfasGroup>(loop_, std::move(configs), cb, pri::NfasGroup::SpanCallbacks{}, &log_);
        span_ = &group_->primary();
        group_->start();
      }
      started.set_value();
    } catch (...) {
      own_span_.reset();
      group_.reset();
      started.set_exception(std::current_exception());
    }
  });
  try {
    ready.get();
  } catch (...) {
    loop_.stop();
    thread_.join();
    throw;
  }
}

SipnicSpan::~SipnicSpan() {
  std::promise<void> gone;
  auto done = gone.get_future();
  loop_.post([&] {
    span_ = nullptr;
    own_span_.reset();
    group_.reset();
    gone.set_value();
  });
  done.wait();
  loop_.stop();
  thread_.join();
}

std::optional<HeardEvent> SipnicSpan::wait_event(pri::CallEventType type,
                                                 const std::function<bool(const HeardEvent&)>& want,
                                                 std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    for (std::size_t i = 0; i < heard_.size(); ++i) {
      if (taken_[i] || heard_[i].event.type != type) continue;
      if (want && !want(heard_[i])) continue;
      taken_[i] = true;
      return heard_[i];
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
  }
}

bool SipnicSpan::wait_until(const std::function<bool(pri::Span&)>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (run([&](pri::Span& s) { return condition(s); })) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<HeardEvent> SipnicSpan::events() {
  std::lock_guard<std::mutex> lock(mutex_);
  return heard_;
}

std::string SipnicSpan::log_text() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& l : log_lines_) out += l + "\n";
  return out;
}

}  // namespace sipnic::test
