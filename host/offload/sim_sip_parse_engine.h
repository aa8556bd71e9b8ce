// SimSipParseEngine: the SipParseEngine of the sim backend, the sip_parse RTL
// kernel (kernels/sip_parse) under Verilator (the map: "The offload
// contract", "sip_parse"; docs/kernels.md).
//
// It drives the kernel the way the xrt backend drives a card: the stream
// bytes, the descriptors and the three output arrays live in (simulated)
// device memory; parse() copies the batch in (XRT's bo.sync to the device),
// writes the argument registers, starts the kernel, waits for ap_done and
// copies back the segment results and exactly as many message and header
// records as those say were written. Every record is the kernel's; the
// differential tests hold the output byte-identical to CpuSipParseEngine.
//
// One host-side step the kernel cannot do: the kernel is not told the size
// of the byte buffer (docs/kernels.md has no such argument), so a descriptor
// that does not lie inside `bytes` is handed to the kernel as an empty
// segment and its SegmentResult gets error kBadBytes at offset 0 afterwards,
// as CpuSipParseEngine reports it.
//
// Each engine is one simulated card with its own device memory. Not
// thread-safe (one engine per worker thread, like every SipParseEngine).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "offload/sip_parse_engine.h"
#include "sim/axi_memory_model.h"

namespace sipnic::offload {

class SimSipParseEngine final : public SipParseEngine {
 public:
  // `memory` sets the memory model's latency and outstanding bursts (its
  // data width must be the kernel's, 512 bits).
  explicit SimSipParseEngine(SipParseLimits limits, sim::MemoryModelConfig memory = {});
  ~SimSipParseEngine() override;

  SimSipParseEngine(const SimSipParseEngine&) = delete;
  SimSipParseEngine& operator=(const SimSipParseEngine&) = delete;

  // Clears `out` and fills it for this batch. Bad input is reported per
  // segment. Throws std::length_error if the batch does not fit the kernel's
  // 32-bit arguments, and std::runtime_error if the kernel does not finish
  // within its cycle budget or writes output that breaks the contract
  // (indices that do not chain, records beyond the capacities): a kernel
  // bug, never bad input.
  void parse(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments,
             SipParseOutput& out) override;

  const SipParseLimits& limits() const { return limits_; }

  // Clock cycles of the last parse(), from ap_start to ap_done (register
  // writes and copies excluded): the kernel's own time. 0 for an empty batch.
  std::uint64_t last_run_cycles() const;
  std::optional<std::uint64_t> cycles_of_last_run() const override { return last_run_cycles(); }

 private:
  struct Card;  // the Verilated kernel, its harness and device buffers
  std::unique_ptr<Card> card_;
  SipParseLimits limits_;
  std::uint64_t last_run_cycles_ = 0;
};

}  // namespace sipnic::offload
