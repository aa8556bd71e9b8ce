// sim::AxiMemoryModel: the AXI4 slave that serves a kernel's m_axi_gmem
// port from sim::DeviceMemory (docs/kernels.md "The Verilator harness").
//
// What it models: width (data_bits per beat) and latency of device memory
// behind the platform's interconnect, with several outstanding bursts per
// direction: a read burst's first beat comes read_latency cycles after its
// AR handshake, then one beat per cycle, bursts back to back in AR order; a
// write burst's response comes write_latency cycles after its AW handshake,
// or the cycle after its last W beat if that is later. At most
// max_outstanding bursts per direction are accepted (AR/AW ready drops).
// Cycle counts are projections, not measurements of any card.
//
// What it checks (throws std::logic_error, naming the rule): INCR bursts of
// the full beat size, beat-aligned addresses, no burst across 4 KiB, at most
// 256 beats, wlast on exactly the last beat; and (std::out_of_range from
// DeviceMemory) no access outside allocated buffers.
//
// Signals are plain C++ structs so that the model can be driven by any
// Verilated top (KernelHarness copies them to and from the ports) and by
// tests directly. Clocking contract per cycle: outputs() is what the slave
// drives during the cycle (it depends on state only); clock_edge() is the
// rising edge, given what the master drove during the same cycle.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "sim/device_memory.h"

namespace sipnic::sim {

struct MemoryModelConfig {
  unsigned data_bits = 512;       // beat width: a power of two, 32..1024
  unsigned read_latency = 100;    // cycles from AR handshake to first R beat; >= 1
  unsigned write_latency = 100;   // cycles from AW handshake to B; >= 1
  unsigned max_outstanding = 16;  // bursts in flight per direction; >= 1
};

// What the master (the kernel) drives. Data and strobes per byte lane.
struct AxiMasterSignals {
  bool arvalid = false;
  std::uint64_t araddr = 0;
  std::uint8_t arlen = 0;
  std::uint8_t arsize = 0;
  std::uint8_t arburst = 0;
  bool rready = false;
  bool awvalid = false;
  std::uint64_t awaddr = 0;
  std::uint8_t awlen = 0;
  std::uint8_t awsize = 0;
  std::uint8_t awburst = 0;
  bool wvalid = false;
  std::vector<std::uint8_t> wdata;  // data_bits / 8 bytes, lane 0 first
  std::vector<bool> wstrb;          // one per byte lane
  bool wlast = false;
  bool bready = false;
};

// What the slave (this model) drives.
struct AxiSlaveSignals {
  bool arready = false;
  bool rvalid = false;
  std::vector<std::uint8_t> rdata;
  bool rlast = false;
  std::uint8_t rresp = 0;
  bool awready = false;
  bool wready = false;
  bool bvalid = false;
  std::uint8_t bresp = 0;
};

class AxiMemoryModel {
 public:
  // Throws std::invalid_argument for a config outside the ranges above.
  AxiMemoryModel(DeviceMemory& memory, MemoryModelConfig config);

  const MemoryModelConfig& config() const { return config_; }
  unsigned beat_bytes() const { return config_.data_bits / 8; }

  // The slave's outputs for the current cycle.
  const AxiSlaveSignals& outputs() const { return out_; }
  // Rising edge: handshakes where valid and ready were both high during the
  // cycle, then the outputs for the next cycle.
  void clock_edge(const AxiMasterSignals& master);

  // Nothing in flight in either direction.
  bool idle() const { return reads_.empty() && writes_.empty() && responses_.empty(); }
  std::uint64_t cycle() const { return cycle_; }

  struct Stats {
    std::uint64_t read_bursts = 0;
    std::uint64_t read_beats = 0;
    std::uint64_t write_bursts = 0;
    std::uint64_t write_beats = 0;
    unsigned max_reads_outstanding = 0;   // AR accepted, last R beat not yet sent
    unsigned max_writes_outstanding = 0;  // AW accepted, B not yet sent
  };
  const Stats& stats() const { return stats_; }

 private:
  struct ReadBurst {
    std::uint64_t addr;
    unsigned beats;
    unsigned next_beat;
    std::uint64_t first_beat_cycle;
  };
  struct WriteBurst {
    std::uint64_t addr;
    unsigned beats;
    unsigned next_beat;
    std::uint64_t response_cycle;
  };

  void check_burst(const char* channel, std::uint64_t addr, std::uint8_t len, std::uint8_t size,
                   std::uint8_t burst) const;
  void update_outputs();
  unsigned writes_outstanding() const { return static_cast<unsigned>(writes_.size() + responses_.size()); }

  DeviceMemory& memory_;
  MemoryModelConfig config_;
  std::uint64_t cycle_ = 0;
  std::deque<ReadBurst> reads_;
  std::deque<WriteBurst> writes_;     // AW accepted, W beats outstanding
  std::deque<WriteBurst> responses_;  // all W beats in, B pending
  AxiSlaveSignals out_;
  Stats stats_;
};

}  // namespace sipnic::sim
