// pri::TdmDatapath: the TDM datapath of one worker's `line` spans: one
// offload::TdmEngine (the HLS kernels, docs/kernels.md) and one 1 ms clock
// for all of them. Every millisecond each LinePort puts its part of the batch
// in (prepare), the engine runs once over every span, and each port takes
// its results (its D-channel frames, then finish). When the loop comes late,
// the missed milliseconds are run in the same turn, up to kMaxCatchUpMs; a
// longer stall (a stopped process) is skipped and counted, as a line whose
// clock stopped.
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

namespace sipnic::pri {

struct TdmDatapathCounters {
  std::uint64_t runs = 0;       // milliseconds run
  std::uint64_t skipped_ms = 0; // milliseconds not run: the loop stalled longer than kMaxCatchUpMs
};

class TdmDatapath {
 public:
  static constexpr std::uint32_t kMaxCatchUpMs = 50;

  // `loop` must outlive it; the engine is its own.
  TdmDatapath(core::EventLoop& loop, std::unique_ptr<offload::TdmEngine> engine);
  ~TdmDatapath();
  TdmDatapath(const TdmDatapath&) = delete;
  TdmDatapath& operator=(const TdmDatapath&) = delete;

  // `port` must stay until remove(); the clock starts with the first port.
  void add(LinePort& port);
  void remove(LinePort& port);
  std::size_t spans() const { return ports_.size(); }
  const TdmDatapathCounters& counters() const { return counters_; }
  const offload::TdmEngine& engine() const { return *engine_; }

 private:
  void tick();
  void run_once();
  void reconfigure();

  core::EventLoop& loop_;
  std::unique_ptr<offload::TdmEngine> engine_;
  std::vector<LinePort*> ports_;
  bool configured_ = false;  // the engine holds ports_ as they are
  core::EventLoop::TimerId timer_ = 0;
  core::Clock::time_point start_{};
  std::uint64_t due_runs_ = 0;  // milliseconds from start_ that have been run or skipped
  TdmDatapathCounters counters_;
};

}  // namespace sipnic::pri
