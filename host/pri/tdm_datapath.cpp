#include "pri/tdm_datapath.h"

#include <algorithm>

namespace sipnic::pri {

TdmDatapath::TdmDatapath(core::EventLoop& loop, std::unique_ptr<offload::TdmEngine> engine)
    : engine_(std::move(engine)), clock_(loop, [this] { run_once(); }) {}

TdmDatapath::~TdmDatapath() = default;

void TdmDatapath::add(LinePort& port) {
  ports_.push_back(&port);
  configured_ = false;
  clock_.start();
}

void TdmDatapath::remove(LinePort& port) {
  ports_.erase(std::remove(ports_.begin(), ports_.end(), &port), ports_.end());
  configured_ = false;
  if (ports_.empty()) clock_.stop();
}

void TdmDatapath::reconfigure() {
  std::vector<offload::TdmSpanSetup> setups;
  setups.reserve(ports_.size());
  for (LinePort* p : ports_) setups.push_back(p->setup());
  engine_->configure(setups);
  for (LinePort* p : ports_) p->engine_reset();
  configured_ = true;
}

void TdmDatapath::run_once() {
  if (ports_.empty()) return;
  if (!configured_) reconfigure();
  for (std::uint32_t s = 0; s < ports_.size(); ++s) ports_[s]->prepare(*engine_, s);
  engine_->run();
  for (const auto& f : engine_->received_frames()) ports_[f.span]->deliver(f.octets);
  for (std::uint32_t s = 0; s < ports_.size(); ++s) ports_[s]->finish(*engine_, s);
}

}  // namespace sipnic::pri
