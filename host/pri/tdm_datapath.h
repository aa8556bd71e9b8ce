// pri::TdmDatapath: the TDM datapath of one worker's `line` spans: one
// offload::TdmEngine (the HLS kernels, docs/kernels.md) and one 1 ms clock
// for all of them (MillisecondClock: a late loop catches up, a stall is
// skipped). Every millisecond each LinePort puts its part of the batch in
// (prepare), the engine runs once over every span, and each port takes its
// results (its D-channel frames, then finish).
//
// The set of spans is fixed when the datapath starts running: ports added
// later join at the next millisecond, and the engine is set up afresh for
// all (every line realigns, a few milliseconds), which is why spans are
// added as the node starts.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/event_loop.h"
#include "offload/tdm_engine.h"
#include "pri/line_port.h"
#include "pri/millisecond_clock.h"

namespace sipnic::pri {

class TdmDatapath {
 public:
  // `loop` must outlive it; the engine is its own.
  TdmDatapath(core::EventLoop& loop, std::unique_ptr<offload::TdmEngine> engine);
  ~TdmDatapath();
  TdmDatapath(const TdmDatapath&) = delete;
  TdmDatapath& operator=(const TdmDatapath&) = delete;

  // `port` must stay until remove(); the clock starts with the first port.
  void add(LinePort& port);
  void remove(LinePort& port);
  std::size_t spans() const { return ports_.size(); }
  const MillisecondClock& clock() const { return clock_; }
  const offload::TdmEngine& engine() const { return *engine_; }

 private:
  void run_once();
  void reconfigure();

  std::unique_ptr<offload::TdmEngine> engine_;
  std::vector<LinePort*> ports_;
  bool configured_ = false;  // the engine holds ports_ as they are
  MillisecondClock clock_;
};

}  // namespace sipnic::pri
