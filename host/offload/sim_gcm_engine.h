// SimGcmEngine: the GcmEngine of the sim backend, the tls_gcm RTL kernel
// (kernels/tls_gcm) under Verilator (the map: "The offload contract",
// "tls_gcm"; docs/kernels.md).
//
// It drives the kernel the way the xrt backend drives a card: the key
// table, the job descriptors, the payload and the results live in
// (simulated) device memory; run() copies the batch in (XRT's bo.sync to the
// device), writes the argument registers, starts the kernel, waits for
// ap_done and copies payload and results back. set_key/clear_key write the
// one key-table entry in device memory. Every output is the kernel's; the
// differential tests hold it byte-identical to CpuGcmEngine.
//
// Each engine is one simulated card with its own device memory. Not
// thread-safe (one engine per worker thread, like every GcmEngine).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "offload/gcm_engine.h"
#include "sim/axi_memory_model.h"

namespace sipnic::offload {

class SimGcmEngine final : public GcmEngine {
 public:
  // A key table of `key_slots` empty slots in device memory; `memory` sets
  // the memory model's latency and outstanding bursts (its data width must
  // be the kernel's, 512 bits).
  explicit SimGcmEngine(std::uint32_t key_slots, sim::MemoryModelConfig memory = {});
  // Wipes the key table in device memory.
  ~SimGcmEngine() override;

  SimGcmEngine(const SimGcmEngine&) = delete;
  SimGcmEngine& operator=(const SimGcmEngine&) = delete;

  std::uint32_t key_slots() const override;
  // As CpuGcmEngine: false for a slot or size out of range; the slot is
  // wiped first, so a refused replacement never leaves the old key behind.
  bool set_key(std::uint32_t slot, std::span<const std::uint8_t> key) override;
  void clear_key(std::uint32_t slot) override;

  // One kernel run over min(jobs.size(), results.size()) jobs. Throws
  // std::length_error if `bytes` or the job count does not fit the kernel's
  // 32-bit arguments, and std::runtime_error if the kernel does not finish
  // within its cycle budget (a kernel bug, never a bad job).
  void run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs, std::span<GcmResult> results) override;

  // Clock cycles of the last run(), from ap_start to ap_done (register
  // writes and copies excluded): the kernel's own time.
  std::uint64_t last_run_cycles() const;
  std::optional<std::uint64_t> cycles_of_last_run() const override { return last_run_cycles(); }

 private:
  struct Card;  // the Verilated kernel, its harness and device buffers
  std::unique_ptr<Card> card_;
  std::uint32_t key_slots_;
  std::uint64_t last_run_cycles_ = 0;
};

}  // namespace sipnic::offload
