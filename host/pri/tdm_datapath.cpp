#include "pri/tdm_datapath.h"

#include <algorithm>
#include <chrono>

namespace sipnic::pri {

namespace {
constexpr core::Millis kTick{1};
}  // namespace

TdmDatapath::TdmDatapath(core::EventLoop& loop, std::unique_ptr<offload::TdmEngine> engine)
    : loop_(loop), engine_(std::move(engine)) {}

TdmDatapath::~TdmDatapath() {
  if (timer_) loop_.cancel_timer(timer_);
}

void TdmDatapath::add(LinePort& port) {
  ports_.push_back(&port);
  configured_ = false;
  if (!timer_) {
    start_ = loop_.now();
    due_runs_ = 0;
    timer_ = loop_.add_timer(kTick, [this] { tick(); });
  }
}

void TdmDatapath::remove(LinePort& port) {
  ports_.erase(std::remove(ports_.begin(), ports_.end(), &port), ports_.end());
  configured_ = false;
  if (ports_.empty() && timer_) {
    loop_.cancel_timer(timer_);
    timer_ = 0;
  }
}

void TdmDatapath::reconfigure() {
  std::vector<offload::TdmSpanSetup> setups;
  setups.reserve(ports_.size());
  for (LinePort* p : ports_) setups.push_back(p->setup());
  engine_->configure(setups);
  for (LinePort* p : ports_) p->engine_reset();
  configured_ = true;
}

void TdmDatapath::tick() {
  timer_ = 0;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(loop_.now() - start_).count();
  const std::uint64_t now_runs = elapsed > 0 ? static_cast<std::uint64_t>(elapsed) : 0;
  if (now_runs > due_runs_ + kMaxCatchUpMs) {
    counters_.skipped_ms += now_runs - kMaxCatchUpMs - due_runs_;
    due_runs_ = now_runs - kMaxCatchUpMs;
  }
  while (due_runs_ < now_runs) {
    run_once();
    ++due_runs_;
  }
  if (!ports_.empty()) timer_ = loop_.add_timer(kTick, [this] { tick(); });
}

void TdmDatapath::run_once() {
  if (ports_.empty()) return;
  if (!configured_) reconfigure();
  for (std::uint32_t s = 0; s < ports_.size(); ++s) ports_[s]->prepare(*engine_, s);
  engine_->run();
  ++counters_.runs;
  for (const auto& f : engine_->received_frames()) ports_[f.span]->deliver(f.octets);
  for (std::uint32_t s = 0; s < ports_.size(); ++s) ports_[s]->finish(*engine_, s);
}

}  // namespace sipnic::pri
